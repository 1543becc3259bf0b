%% @doc The full sweep: message_queue_len, reductions and total heap of
%% every process, fed to the NIF in chunks so that each NIF call stays well
%% under 1 ms. The NIF keeps the histogram, the rates and the top-K and
%% returns the hot set.
-module(beamscope_sweep).

-export([run/1, run/2, read/1]).

-define(CHUNK, 2000).

%% @doc Sweeps every process with the default chunk size; see run/2.
-spec run(reference()) -> {[pid()], non_neg_integer()}.
run(Ref) ->
    run(Ref, ?CHUNK).

%% @doc Sweeps every process in chunks of `Chunk`; returns the hot set
%% chosen by the NIF and the number of processes swept. Cost: one
%% process_info/2 per process (~0.3 us each) plus erlang:processes/0
%% (two words a process, transient); about 15 ms at 50k processes.
-spec run(reference(), pos_integer()) -> {[pid()], non_neg_integer()}.
run(Ref, Chunk) ->
    ok = beamscope_nif:sweep_begin(Ref),
    Count = chunks(erlang:processes(), Ref, Chunk, [], 0, 0),
    {beamscope_nif:sweep_end(Ref), Count}.

chunks([], Ref, _Chunk, Acc, _N, Count) ->
    flush(Ref, Acc),
    Count;
chunks(Pids, Ref, Chunk, Acc, N, Count) when N >= Chunk ->
    flush(Ref, Acc),
    chunks(Pids, Ref, Chunk, [], 0, Count);
chunks([P | Pids], Ref, Chunk, Acc, N, Count) ->
    case read(P) of
        undefined -> chunks(Pids, Ref, Chunk, Acc, N, Count);
        Item -> chunks(Pids, Ref, Chunk, [Item | Acc], N + 1, Count + 1)
    end.

flush(_Ref, []) -> ok;
flush(Ref, Acc) -> ok = beamscope_nif:sweep_chunk(Ref, Acc).

%% @doc The sweep's view of one process, or undefined when it is gone.
%% Cost: one process_info/2 with three cheap items (no memory, no messages).
-spec read(pid()) -> {pid(), non_neg_integer(), non_neg_integer(), non_neg_integer()} | undefined.
read(P) ->
    case erlang:process_info(P, [message_queue_len, reductions, total_heap_size]) of
        [{message_queue_len, Q}, {reductions, R}, {total_heap_size, H}] -> {P, Q, R, H};
        undefined -> undefined
    end.

%% Processes with known mailboxes, heaps, minor GCs and applications for
%% the `ps` and `proc` tests (tests/cli/test_ctl_ps_e2e.py,
%% test_ctl_proc_e2e.py), and the ground truth read back in the node.
%% Compiled and loaded into the test node at run time.
-module(beamscope_ps_probe).

-export([check/4, page/1, subject/0, subject_truth/1]).
-export([start/1, hold/2, spin/1, grow_feed/2, truth_file/1, stop/1, fill/2, traced_calls/2, trace_stop/1]).

%% Starts N idle probes (initial call beamscope_ps_probe:hold/2): probe I
%% has I rem 97 queued messages, made I rem 7 minor collections, and every
%% fifth runs under `App`'s application master (so it belongs to App).
%% Returns the holder pid, which keeps them (and exits them on stop/1).
start(#{count := N, app := App}) ->
    Master = application_controller:get_master(App),
    Self = self(),
    Holder = spawn(fun() ->
        Me = self(),
        Pids = [begin
                    P = spawn_opt(?MODULE, hold, [I, Me], [{min_heap_size, 233}]),
                    receive {ready, P} -> ok after 5000 -> ok end,
                    case I rem 5 of 0 -> group_leader(Master, P); _ -> ok end,
                    [P ! {fill, K} || K <- lists:seq(1, I rem 97)],
                    P
                end || I <- lists:seq(1, N)],
        Self ! {probes, self(), Pids},
        receive stop -> [exit(P, kill) || P <- Pids] end
    end),
    receive {probes, Holder, Pids} -> persistent_term:put(?MODULE, Pids), {Holder, length(Pids)}
    after 120000 -> error(timeout)
    end.

%% Allocates enough to collect (I rem 7) times, then waits for stop only,
%% so every other message stays queued.
hold(I, Parent) ->
    gc_times(I rem 7),
    Parent ! {ready, self()},
    receive stop -> ok end.

gc_times(0) -> ok;
gc_times(K) ->
    {minor_gcs, G0} = lists:keyfind(minor_gcs, 1, element(2, process_info(self(), garbage_collection))),
    churn(G0),
    gc_times(K - 1).

churn(G0) ->
    _ = lists:seq(1, 200),
    case lists:keyfind(minor_gcs, 1, element(2, process_info(self(), garbage_collection))) of
        {minor_gcs, G} when G > G0 -> ok;
        {minor_gcs, 0} -> ok;  % a fullsweep reset the count
        _ -> churn(G0)
    end.

%% Busy in bounded steps (reductions/s well above any idle probe).
spin(N) ->
    _ = lists:foldl(fun(X, A) -> X + A end, 0, lists:seq(1, 2000)),
    receive stop -> ok after 2 -> spin(N + 1) end.

%% Sends Target a message every Ms ms: its mailbox grows.
grow_feed(Target, Ms) ->
    Target ! tick,
    receive stop -> ok after Ms -> grow_feed(Target, Ms) end.

%% Writes "Pid Mailbox HeapBytes MinorGcs App" a line for every probe
%% (App "-" when none) to Path: the ground truth, read in the node.
truth_file(Path) ->
    W = erlang:system_info(wordsize),
    Lines = [case process_info(P, [message_queue_len, heap_size, garbage_collection]) of
                 undefined -> [];
                 [{_, Q}, {_, H}, {_, Gc}] ->
                     App = case application:get_application(P) of {ok, A} -> atom_to_list(A); undefined -> "-" end,
                     io_lib:format("~s ~b ~b ~b ~s~n", [pid_to_list(P), Q, H * W, proplists:get_value(minor_gcs, Gc), App])
             end || P <- persistent_term:get(?MODULE)],
    ok = file:write_file(Path, Lines),
    length(Lines).

stop(Holder) -> Holder ! stop, ok.

%% Sends N messages to P (a mailbox burst), quickly.
fill(P, N) -> fill_loop(P, N).
fill_loop(_P, 0) -> ok;
fill_loop(P, N) -> P ! {burst, N}, fill_loop(P, N - 1).

%% Traces every process_info/2 call on Pid, node-wide; returns the tracer.
%% traced_calls/2 returns the item arguments seen so far.
traced_calls(start, Pid) ->
    Tracer = spawn(fun() -> tracer([]) end),
    erlang:trace_pattern({erlang, process_info, 2}, [{[Pid, '_'], [], []}], [global]),
    erlang:trace(all, true, [call, {tracer, Tracer}]),
    Tracer;
traced_calls(Tracer, _) ->
    Tracer ! {get, self()},
    receive {calls, Calls} -> Calls after 5000 -> error(tracer_silent) end.

trace_stop(Tracer) ->
    erlang:trace(all, false, [call]),
    erlang:trace_pattern({erlang, process_info, 2}, false, [global]),
    exit(Tracer, kill),
    ok.

tracer(Acc) ->
    receive
        {trace, _Who, call, {erlang, process_info, [_, Items]}} -> tracer([Items | Acc]);
        {get, From} -> From ! {calls, lists:reverse(Acc)}, tracer(Acc);
        _ -> tracer(Acc)
    end.

%% Pages through every probe matching `App' (binary, <<>> any) and a
%% mailbox of at least `MinMb' sorted by `Key' (mailbox | memory |
%% minor_gcs | application), 1,000 at a time, through the agent's own
%% request path (beamscope_inspect), filtered by the probes' name, and
%% compares them with a brute-force sort of process_info over the probes.
%% {ok, Total, Pages, Us} or {mismatch, What, Detail}.
check(Key, App, MinMb, Filter) ->
    Truth = [{list_to_binary(pid_to_list(P)), I} || P <- persistent_term:get(?MODULE),
                                                     I <- [info(P)], I =/= gone,
                                                     App =:= <<>> orelse maps:get(app, I) =:= App,
                                                     maps:get(mq, I) >= MinMb],
    T0 = erlang:monotonic_time(microsecond),
    {Rows, Totals, NPages} = pages(#{sort => Key, name_filter => Filter, application => App,
                                     min_mailbox => MinMb, limit => 1000}, 0, [], [], 0),
    Us = erlang:monotonic_time(microsecond) - T0,
    ByPid = maps:from_list(Truth),
    Want = lists:sort(fun(A, B) -> le(Key, A, B) end, [value(Key, I) || {_, I} <- Truth]),
    Got = [row_value(Key, R) || R <- Rows],
    Pids = [maps:get(pid, R) || R <- Rows],
    Unique = length(lists:usort(Pids)),
    Wrong = [{P, row_value(Key, R), value(Key, maps:get(P, ByPid, gone))}
             || #{pid := P} = R <- Rows, row_value(Key, R) =/= value(Key, maps:get(P, ByPid, gone))],
    if
        Totals =/= [length(Truth)] -> {mismatch, total, {Totals, length(Truth)}};
        length(Pids) =/= length(Truth) -> {mismatch, rows, {length(Pids), length(Truth)}};
        length(Pids) =/= Unique -> {mismatch, duplicates, length(Pids) - Unique};
        Wrong =/= [] -> {mismatch, values, {length(Wrong), lists:sublist(Wrong, 5)}};
        Got =/= Want -> {mismatch, order, first_difference(Got, Want, 0)};
        true -> {ok, length(Truth), NPages, Us}
    end.

pages(Req, Offset, Acc, Totals, N) ->
    #{rows := Rows, total := Total} = Page = page(Req#{offset => Offset}),
    false = maps:is_key(error, Page),
    Acc1 = [Acc | Rows],
    Totals1 = lists:usort([Total | Totals]),
    case Offset + 1000 >= Total of
        true -> {lists:flatten(Acc1), Totals1, N + 1};
        false -> pages(Req, Offset + 1000, Acc1, Totals1, N + 1)
    end.

%% One page through the agent's request path (absent fields: defaults).
page(Req) ->
    Page = beamscope_inspect:request(processes, Req),
    case Page of
        #{error := E} when E =/= <<>> -> error({page_error, E});
        _ -> Page
    end.

info(P) ->
    W = erlang:system_info(wordsize),
    case process_info(P, [message_queue_len, heap_size, garbage_collection]) of
        undefined -> gone;
        [{_, Q}, {_, H}, {_, Gc}] ->
            App = case application:get_application(P) of {ok, A} -> atom_to_binary(A); undefined -> <<>> end,
            #{mq => Q, mem => H * W, gcs => proplists:get_value(minor_gcs, Gc), app => App}
    end.

value(_Key, gone) -> gone;
value(mailbox, #{mq := Q}) -> Q;
value(memory, #{mem := M}) -> M;
value(minor_gcs, #{gcs := G}) -> G;
value(application, #{app := A, mq := Q}) -> {A, Q}.

row_value(mailbox, #{message_queue_len := Q}) -> Q;
row_value(memory, #{memory_bytes := M}) -> M;
row_value(minor_gcs, #{minor_gcs := G}) -> G;
row_value(application, #{application := A, message_queue_len := Q}) -> {A, Q}.

%% The page order: largest first; applications A to Z (none last), then
%% the largest mailbox.
le(application, {A, Qa}, {B, Qb}) ->
    if
        A =:= B -> Qa >= Qb;
        A =:= <<>> -> false;
        B =:= <<>> -> true;
        true -> A < B
    end;
le(_Key, A, B) -> A >= B.

first_difference([X | Xs], [X | Ys], I) -> first_difference(Xs, Ys, I + 1);
first_difference(Xs, Ys, I) -> {at, I, lists:sublist(Xs, 3), lists:sublist(Ys, 3)}.

%% A process with a link, a monitor, a monitor on it, trap_exit, high
%% priority and two dictionary keys, registered as beamscope_ps_subject.
subject() ->
    Partner = spawn(fun() -> receive stop -> ok end end),
    Watched = spawn(fun() -> receive stop -> ok end end),
    Me = self(),
    S = spawn(fun() ->
                  register(beamscope_ps_subject, self()),
                  process_flag(trap_exit, true),
                  process_flag(priority, high),
                  link(Partner),
                  _ = erlang:monitor(process, Watched),
                  put(bs_key_one, 1),
                  put({bs_key, two}, <<"secret value">>),
                  Me ! {subject, self()},
                  subject_loop()
              end),
    receive {subject, S} -> ok after 5000 -> error(no_subject) end,
    _ = spawn(fun() -> _ = erlang:monitor(process, S), receive stop -> ok end end),
    timer:sleep(50),
    S.

subject_loop() ->
    receive stop -> ok end.

%% "key=value" lines of what process_info says of P (lists sorted, joined
%% by a space): the ground truth `proc` is compared with.
subject_truth(P) ->
    Items = [registered_name, status, trap_exit, priority, message_queue_data, group_leader, links, monitors,
             monitored_by, current_stacktrace, heap_size, stack_size, total_heap_size, message_queue_len,
             dictionary, initial_call, current_function],
    I = maps:from_list(process_info(P, Items)),
    Pids = fun(L) -> lists:join(" ", lists:sort([pid_to_list(X) || X <- L, is_pid(X)])) end,
    Mons = lists:join(" ", lists:sort(["process " ++ pid_to_list(X) || {process, X} <- maps:get(monitors, I)])),
    Stack = lists:join(" ", [io_lib:format("~s:~s/~b", [M, F, if is_list(A) -> length(A); true -> A end])
                            || {M, F, A, _} <- maps:get(current_stacktrace, I)]),
    Keys = lists:join(" ", lists:sort([io_lib:format("~0tp", [K]) || {K, _} <- maps:get(dictionary, I)])),
    Lines = [{registered_name, maps:get(registered_name, I)}, {status, maps:get(status, I)},
             {trap_exit, maps:get(trap_exit, I)}, {priority, maps:get(priority, I)},
             {message_queue_data, maps:get(message_queue_data, I)},
             {group_leader, pid_to_list(maps:get(group_leader, I))},
             {links, Pids(maps:get(links, I))}, {monitors, Mons}, {monitored_by, Pids(maps:get(monitored_by, I))},
             {stack, Stack}, {heap_size, maps:get(heap_size, I)}, {stack_size, maps:get(stack_size, I)},
             {total_heap_size, maps:get(total_heap_size, I)}, {message_queue_len, maps:get(message_queue_len, I)},
             {dictionary_keys, Keys}],
    lists:flatten([io_lib:format("~s=~ts~n", [K, if is_atom(V) -> atom_to_list(V);
                                                    is_integer(V) -> integer_to_list(V);
                                                    true -> V end]) || {K, V} <- Lines]).

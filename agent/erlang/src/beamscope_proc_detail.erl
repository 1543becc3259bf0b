%% @doc One process in detail, read on demand (protocol 1.3
%% ProcessRequest -> ProcessDetail): names, application and place in the
%% supervision tree, status, current stack trace, links, monitors,
%% monitored_by, flags, heap, stack, garbage collection, reductions, the
%% mailbox with its growth and time to mailbox_alarm, dictionary keys (not
%% values) and restart history. Guards (DESIGN.md): `message_queue_len`
%% is read first, alone; above mailbox_guard nothing proportional to the
%% mailbox is read (no `memory`, `total_heap_size` or
%% `garbage_collection_info`, never `messages`); every term is printed
%% within a bound; lists are cut to protocol bounds (their totals kept);
%% the dictionary is read only while the heap is below DICT_MAX_WORDS.
%% Cost: two process_info/2 calls on the process and a scan of the sweep
%% table and of the last tree (dirty NIFs); nothing is ever called in the
%% process itself.
-module(beamscope_proc_detail).

-export([answer/2, read/3, to_pid/1]).

%% OTP 25's spec of process_info/2 has no {dictionary, Key} item (26+);
%% these call it only where the release takes it, and catch badarg.
-dialyzer({nowarn_function, [initial_call/3, label/2]}).

-define(MAX_REFS, 1000).
-define(MAX_FRAMES, 128).
-define(MAX_DICT_KEYS, 256).
-define(MAX_TEXT, 500).
%% A dictionary is copied whole to be read: not in processes with heaps
%% above this (80 MB on 64-bit).
-define(DICT_MAX_WORDS, 10000000).
-define(ITEMS, [registered_name, initial_call, current_function, status, current_stacktrace, links,
                monitors, monitored_by, trap_exit, priority, message_queue_data, group_leader,
                heap_size, stack_size, garbage_collection, reductions, message_queue_len]).
%% Items that walk the message queue without yielding (measured with
%% 1,000,000 queued messages: memory 12 ms, total_heap_size 11 ms,
%% garbage_collection_info 21 ms, against 3 us or less for any other):
%% read only under mailbox_guard (bench/proc_detail).
-define(QUEUE_ITEMS, [memory, total_heap_size, garbage_collection_info]).

%% @doc The ProcessDetail map answering `Req' (#{request_id, pid}).
-spec answer(map(), map()) -> map().
answer(Req, #{ref := Ref, config := Config}) ->
    Id = maps:get(request_id, Req, 0),
    PidText = maps:get(pid, Req, <<>>),
    Base = #{request_id => Id, pid => PidText},
    case to_pid(PidText) of
        {error, Why} -> Base#{error => Why};
        {ok, Pid} ->
            case read(Pid, Ref, Config) of
                undefined -> Base#{error => <<"no such process: ", PidText/binary>>, alive => false};
                Detail -> maps:merge(Detail, Base)
            end
    end.

%% @doc A local pid from its text "<0.N.M>"; never an atom, never a remote pid.
-spec to_pid(binary()) -> {ok, pid()} | {error, binary()}.
to_pid(<<"<0.", _/binary>> = B) when byte_size(B) =< 40 ->
    try list_to_pid(binary_to_list(B)) of
        P -> {ok, P}
    catch error:badarg -> {error, <<"not a pid: ", B/binary>>}
    end;
to_pid(B) when is_binary(B) ->
    {error, <<"not a local pid of this node: ", (beamscope_tree_walk:print_bounded(B, 60))/binary>>};
to_pid(_) ->
    {error, <<"not a pid">>}.

%% @doc The detail of a live local process, or undefined when it is gone.
-spec read(pid(), reference() | undefined, map()) -> map() | undefined.
read(Pid, Ref, Config) ->
    Guard = maps:get(mailbox_guard, Config, 100000),
    case erlang:process_info(Pid, message_queue_len) of
        undefined -> undefined;
        {message_queue_len, Mq0} ->
            Guarded = Mq0 > Guard,
            Items = case Guarded of
                        true -> ?ITEMS;
                        false -> ?QUEUE_ITEMS ++ ?ITEMS
                    end,
            case erlang:process_info(Pid, Items) of
                undefined -> undefined;
                Info -> build(Pid, maps:from_list(Info), Guarded, Ref, Config)
            end
    end.

build(Pid, I, Guarded, Ref, Config) ->
    Mq = maps:get(message_queue_len, I),
    {Growth, Tts} = outlook(Ref, Pid, Mq),
    {Links, NLinks} = refs(maps:get(links, I), fun text/1),
    {Mons, NMons} = refs(maps:get(monitors, I), fun monitor_text/1),
    {MonBy, NMonBy} = refs(maps:get(monitored_by, I), fun text/1),
    %% Guarded: the young heap stands for the total (which would walk the queue).
    Dict = dictionary(Pid, maps:get(total_heap_size, I, maps:get(heap_size, I))),
    {Keys, NKeys} = case Dict of
                        skipped -> {[], 0};
                        D -> {[text(K) || {K, _} <- lists:sublist(D, ?MAX_DICT_KEYS)], length(D)}
                    end,
    Tree = tree(Ref, Pid),
    Gc = maps:get(garbage_collection, I),
    Detail = #{alive => true,
               registered_name => case maps:get(registered_name, I) of
                                      A when is_atom(A) -> atom_to_binary(A, utf8);
                                      _ -> <<>>
                                  end,
               label => label(Pid, Dict),
               initial_call => beamscope_ps:mfa_text(initial_call(Pid, Dict, maps:get(initial_call, I))),
               current_function => beamscope_ps:mfa_text(maps:get(current_function, I)),
               application => application_of(Pid),
               tree_id => maps:get(id, Tree, <<>>),
               status => atom_to_binary(maps:get(status, I), utf8),
               stacktrace => [frame(F) || F <- lists:sublist(maps:get(current_stacktrace, I), ?MAX_FRAMES)],
               links => Links, links_total => NLinks,
               monitors => Mons, monitors_total => NMons,
               monitored_by => MonBy, monitored_by_total => NMonBy,
               trap_exit => maps:get(trap_exit, I),
               priority => atom_to_binary(maps:get(priority, I), utf8),
               message_queue_data => atom_to_binary(maps:get(message_queue_data, I), utf8),
               group_leader => text(maps:get(group_leader, I)),
               heap_size_words => maps:get(heap_size, I),
               stack_size_words => maps:get(stack_size, I),
               total_heap_size_words => maps:get(total_heap_size, I, 0),
               memory_bytes => maps:get(memory, I, 0),
               memory_guarded => Guarded,
               garbage_collection => named(Gc),
               garbage_collection_info => named(maps:get(garbage_collection_info, I, [])),
               reductions => maps:get(reductions, I),
               message_queue_len => Mq,
               mailbox_growth_per_s => float(Growth),
               seconds_to_threshold => float(Tts),
               dictionary_keys => Keys, dictionary_size => NKeys,
               restarts_total => maps:get(restarts_total, Tree, 0),
               recent_restarts => maps:get(recent_restarts, Tree, []),
               actions_allowed => [atom_to_binary(A, utf8) || A <- beamscope_actions:allowed(Config)],
               word_size => erlang:system_info(wordsize),
               read_at_us => os:system_time(microsecond)},
    _ = Guarded andalso gen_server:cast(beamscope_inspect, {count, detail_guarded}),
    Detail.

%% The agent's growth for this process and the time to the alarm at that
%% growth (both owned by the NIF: the hot set's history, else the sweep's);
%% zeros when neither has read it.
outlook(undefined, _Pid, _Mq) -> {0.0, 0.0};
outlook(Ref, Pid, Mq) ->
    case beamscope_nif:mailbox_outlook(Ref, Pid, Mq) of
        {G, Tts, _AgeMs} -> {G, Tts};
        undefined -> {0.0, 0.0}
    end.

tree(undefined, _Pid) -> #{};
tree(Ref, Pid) ->
    case beamscope_nif:tree_entry(Ref, beamscope_ps:pid_text(Pid)) of
        Node when is_map(Node) -> Node;
        _ -> #{}
    end.

refs(List, Print) when is_list(List) ->
    {[Print(X) || X <- lists:sublist(List, ?MAX_REFS)], length(List)};
refs(_, _) ->
    {[], 0}.

monitor_text({process, P}) when is_pid(P) -> <<"process ", (text(P))/binary>>;
monitor_text({process, {Name, Node}}) ->
    <<"process ", (text(Name))/binary, "@", (text(Node))/binary>>;
monitor_text({port, P}) -> <<"port ", (text(P))/binary>>;
monitor_text({Kind, What}) when is_atom(Kind) -> <<(atom_to_binary(Kind, utf8))/binary, " ", (text(What))/binary>>;
monitor_text(Other) -> text(Other).

text(P) when is_pid(P); is_port(P) -> beamscope_ps:pid_text(P);
text(A) when is_atom(A) -> atom_to_binary(A, utf8);
text(T) -> beamscope_tree_walk:print_bounded(T, ?MAX_TEXT).

frame({M, F, ArityOrArgs, Loc}) ->
    Arity = case ArityOrArgs of
                N when is_integer(N) -> N;
                Args when is_list(Args) -> length(Args)
            end,
    #{function => beamscope_ps:mfa_text({M, F, Arity}),
      file => case proplists:get_value(file, Loc) of
                  File when is_list(File) -> text_cut(File);
                  _ -> <<>>
              end,
      line => case proplists:get_value(line, Loc) of
                  L when is_integer(L), L >= 0 -> L;
                  _ -> 0
              end};
frame(_) ->
    #{function => <<"?">>}.

text_cut(S) ->
    case unicode:characters_to_binary(S) of
        %% The NIF cuts it to a whole UTF-8 sequence.
        B when is_binary(B) -> binary:part(B, 0, min(byte_size(B), ?MAX_TEXT));
        _ -> <<"?">>
    end.

named(List) when is_list(List) ->
    [#{name => text(K), value => text(V)} || {K, V} <- lists:sublist(List, 32)];
named(_) ->
    [].

%% The dictionary, read once for its keys (printed; values are never
%% sent) and proc_lib's entries; `skipped' for heaps above DICT_MAX_WORDS
%% (reading it copies it whole).
dictionary(_Pid, Heap) when Heap > ?DICT_MAX_WORDS -> skipped;
dictionary(Pid, _Heap) ->
    case erlang:process_info(Pid, dictionary) of
        {dictionary, D} -> D;
        undefined -> []
    end.

%% proc_lib's '$initial_call': from the dictionary read, else (a skipped
%% one) alone where the release can (OTP 26+), else the initial call.
initial_call(_Pid, D, Call) when is_list(D) ->
    case lists:keyfind('$initial_call', 1, D) of
        {_, {_, _, _} = MFA} -> MFA;
        _ -> Call
    end;
initial_call(Pid, skipped, Call) ->
    try erlang:process_info(Pid, [{dictionary, '$initial_call'}]) of
        [{_, {_, _, _} = MFA}] -> MFA;
        _ -> Call
    catch error:badarg -> Call
    end.

%% proc_lib:set_label/1's label (OTP 27+), printed.
label(_Pid, D) when is_list(D) ->
    case lists:keyfind('$process_label', 1, D) of
        {_, Label} -> text(Label);
        false -> <<>>
    end;
label(Pid, skipped) ->
    try erlang:process_info(Pid, [{dictionary, '$process_label'}]) of
        [{_, undefined}] -> <<>>;
        [{_, Label}] -> text(Label);
        _ -> <<>>
    catch error:badarg -> <<>>
    end.

application_of(Pid) ->
    case application:get_application(Pid) of
        {ok, App} -> atom_to_binary(App, utf8);
        undefined -> <<>>
    end.

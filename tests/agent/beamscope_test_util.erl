%% @doc Helpers shared by the agent's tests: free ports, starting the agent
%% with test settings, what the OS sees of this node (threads, fds, RSS),
%% polling for a condition and the agent's latest published snapshot.
-module(beamscope_test_util).

-export([free_port/0, test_env/0, start_agent/1, stop_agent/0, os_counts/0, run/1, wait/2, snapshot/0]).

%% @doc A TCP port that was free a moment ago (bind 0, read it, close).
-spec free_port() -> inet:port_number().
free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.

%% @doc Agent settings on fresh ports (tests may run in parallel).
-spec test_env() -> [{atom(), term()}].
test_env() ->
    [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
     {metrics_listen, "127.0.0.1:" ++ integer_to_list(free_port())},
     {tick_ms, 100}, {top_k, 50}, {mailbox_guard, 100000}].

%% @doc Sets the env (defaults from test_env/0, overridden by `Env`) and
%% starts the application.
-spec start_agent([{atom(), term()}]) -> {ok, [atom()]} | {error, term()}.
start_agent(Env) ->
    _ = application:load(beamscope),
    Merged = lists:ukeymerge(1, lists:ukeysort(1, Env), lists:ukeysort(1, test_env())),
    [ok = application:set_env(beamscope, K, V) || {K, V} <- Merged],
    application:ensure_all_started(beamscope).

-spec stop_agent() -> ok | {error, term()}.
stop_agent() ->
    application:stop(beamscope).

%% @doc Threads, open fds and resident set size (KiB) of this OS process.
-spec os_counts() -> #{threads := non_neg_integer(), fds := non_neg_integer(), rss_kb := non_neg_integer()}.
os_counts() ->
    Proc = "/proc/" ++ os:getpid(),
    {ok, Tasks} = file:list_dir(Proc ++ "/task"),
    {ok, Fds} = file:list_dir(Proc ++ "/fd"),
    {ok, Status} = file:read_file(Proc ++ "/status"),
    [_, Rest] = binary:split(Status, <<"VmRSS:">>),
    [Kb | _] = string:lexemes(Rest, " \t\n"),
    #{threads => length(Tasks), fds => length(Fds), rss_kb => binary_to_integer(Kb)}.

%% @doc Runs EUnit on `Modules` and halts the node: 0 when all pass.
%% Used by ctest (erl -noshell -eval 'beamscope_test_util:run([...])').
-spec run([module()]) -> no_return().
run(Modules) ->
    logger:set_primary_config(level, notice),
    Result = try eunit:test(Modules, [verbose]) catch C:R -> {C, R} end,
    halt(case Result of ok -> 0; _ -> 1 end).

%% @doc Polls `Fun' every 20 ms until it returns true (then true) or `Ms'
%% milliseconds pass (then false).
-spec wait(fun(() -> boolean()), non_neg_integer()) -> boolean().
wait(Fun, Ms) ->
    wait_until(Fun, erlang:monotonic_time(millisecond) + Ms).

wait_until(Fun, Deadline) ->
    case Fun() of
        true -> true;
        _ ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> false;
                false -> timer:sleep(20), wait_until(Fun, Deadline)
            end
    end.

%% @doc What the agent last published: tree, events, tree_stats, monitor
%% and the pids of the process samples (beamscope_nif:tree_snapshot/1).
-spec snapshot() -> map().
snapshot() ->
    {ok, Ref, _} = beamscope_sampler:nif_ref(),
    beamscope_nif:tree_snapshot(Ref).

%% @doc Hostile processes for beamscope_tree_tests, each started as a child
%% of the demo's top supervisor: a gen_server that crashes on any call
%% (declared `supervisor' so a naive walker would call it), a supervisor
%% stuck in init, and fake "supervisors" that answer which_children with
%% odd specs or die when asked.
-module(beamscope_tree_test_procs).
-behaviour(gen_server).

-export([trap/0, slow_sup/1, fake_sup/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

%% @doc The trap: any call kills it (and the test sees a new pid).
-spec trap() -> {ok, pid()}.
trap() -> gen_server:start_link(?MODULE, trap, []).

%% @doc A supervisor whose init sleeps `Ms' (it blocks its parent's start_child).
-spec slow_sup(non_neg_integer()) -> {ok, pid()}.
slow_sup(Ms) -> supervisor:start_link(beamscope_tree_test_sup, {sleep, Ms}).

%% @doc A process that claims to be a supervisor; `odd': answers
%% which_children with malformed entries, `die': exits when asked.
-spec fake_sup(odd | die) -> {ok, pid()}.
fake_sup(Mode) ->
    Pid = proc_lib:spawn_link(fun() ->
                                      put('$initial_call', {supervisor, fake, 1}),
                                      fake_loop(Mode)
                              end),
    {ok, Pid}.

fake_loop(Mode) ->
    receive
        {'$gen_call', From, which_children} when Mode =:= odd ->
            gen:reply(From, [{ok_child, self(), worker, [m]}, garbage, {1, 2, 3}]),
            fake_loop(Mode);
        {'$gen_call', _From, which_children} ->
            exit(asked_for_children);
        {'$gen_call', From, _} ->
            gen:reply(From, {error, nope}),
            fake_loop(Mode);
        {'EXIT', _, _} -> ok;
        _ -> fake_loop(Mode)
    end.

init(trap) -> {ok, trap}.

handle_call(Request, _From, _State) -> exit({unexpected_call, Request}).
handle_cast(Msg, _State) -> exit({unexpected_cast, Msg}).
handle_info(_Msg, State) -> {noreply, State}.

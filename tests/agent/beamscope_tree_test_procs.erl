%% @doc Hostile processes for beamscope_tree_tests, each started as a child
%% of the demo's top supervisor: a gen_server that crashes on any call
%% (declared `supervisor' so a naive walker would call it), a supervisor
%% stuck in init, and fake "supervisors" that answer which_children with
%% odd specs or die when asked.
-module(beamscope_tree_test_procs).
-behaviour(gen_server).

-export([trap/0, slow_sup/1, fake_sup/1, starting_sup/0, labelled/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

%% @doc The trap: any call kills it (and the test sees a new pid).
-spec trap() -> {ok, pid()}.
trap() -> gen_server:start_link(?MODULE, trap, []).

%% @doc A supervisor whose init sleeps `Ms' (it blocks its parent's start_child).
-spec slow_sup(non_neg_integer()) -> {ok, pid()}.
slow_sup(Ms) -> supervisor:start_link(beamscope_tree_test_sup, {sleep, Ms}).

%% @doc A real supervisor that its parent sees before its init returns
%% (the start function hands back its pid from init): it waits in init for
%% `go'. A walker that calls it then leaves a message in its mailbox.
-spec starting_sup() -> {ok, pid()} | {error, term()}.
starting_sup() ->
    Starter = self(),
    %% The helper is the supervisor's parent: it stays alive (the supervisor
    %% would stop with it) and dies with it.
    spawn(fun() ->
                  _ = supervisor:start_link(beamscope_tree_test_sup, {gate, Starter}),
                  receive after infinity -> ok end
          end),
    receive {in_init, Pid} -> {ok, Pid} after 5000 -> {error, no_init} end.

%% @doc A gen_server with a proc_lib label (OTP 27+), registered as `Name'
%% unless Name is undefined.
-spec labelled(term(), atom()) -> {ok, pid()}.
labelled(Label, Name) -> gen_server:start_link(?MODULE, {label, Label, Name}, []).

%% @doc A gen_server that claims to be a supervisor (it overwrites the
%% '$initial_call' proc_lib recorded): `odd' answers which_children with
%% malformed entries, `die' exits when asked. Only a liar passes the
%% agent's check and still is no supervisor.
-spec fake_sup(odd | die) -> {ok, pid()}.
fake_sup(Mode) -> gen_server:start_link(?MODULE, {fake, Mode}, []).

init(trap) -> {ok, trap};
init({fake, Mode}) ->
    put('$initial_call', {supervisor, fake, 1}),
    {ok, {fake, Mode}};
init({label, Label, Name}) ->
    ok = erlang:apply(proc_lib, set_label, [Label]),
    _ = Name =:= undefined orelse register(Name, self()),
    {ok, label}.

handle_call(Request, _From, trap) -> exit({unexpected_call, Request});
handle_call(which_children, _From, {fake, odd} = State) ->
    {reply, [{ok_child, self(), worker, [m]}, garbage, {1, 2, 3}], State};
handle_call(which_children, _From, {fake, die}) -> exit(asked_for_children);
handle_call(_Request, _From, State) -> {reply, ok, State}.
handle_cast(Msg, _State) -> exit({unexpected_cast, Msg}).
handle_info(_Msg, State) -> {noreply, State}.

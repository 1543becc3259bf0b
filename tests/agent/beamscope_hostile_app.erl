%% @doc A test application whose top process (what start/2 returns) is a
%% plain proc_lib process, not a supervisor, that exits on any message at
%% all: a call, a system message, anything. OTP allows it; an agent that
%% sends `which_children' to every application's top kills it.
-module(beamscope_hostile_app).
-behaviour(application).

-export([start/2, stop/1, load/0]).

%% @doc Loads the application (no .app file needed).
-spec load() -> ok | {error, term()}.
load() ->
    application:load({application, beamscope_hostile,
                      [{description, "beamscope test: a top process that dies on any message"},
                       {vsn, "1"}, {modules, [?MODULE]}, {registered, [beamscope_hostile_top]},
                       {applications, [kernel, stdlib]}, {mod, {?MODULE, []}}]}).

start(_Type, _Args) ->
    Pid = proc_lib:spawn_link(fun() -> receive Any -> exit({unexpected_message, Any}) end end),
    true = register(beamscope_hostile_top, Pid),
    {ok, Pid}.

stop(_State) ->
    ok.

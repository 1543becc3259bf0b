%% @doc The beamscope OTP application: validates the configuration, checks
%% that the NIF loaded, then starts the supervisor. Every failure becomes a
%% clear `{error, Reason}` (and a logger:error); the host node keeps running.
-module(beamscope_app).
-behaviour(application).

-export([start/2, stop/1]).

%% @doc Starts the agent. Cost: one NIF load (first start only) and the
%% sockets the sampler binds.
-spec start(application:start_type(), term()) -> {ok, pid()} | {error, term()}.
start(_Type, _Args) ->
    case start_checked() of
        {ok, Pid} ->
            {ok, Pid};
        {error, Reason} = Error ->
            logger:error("beamscope: agent not started: ~tp", [Reason]),
            Error
    end.

%% @doc The sampler's terminate/2 stops the NIF and beamscope_events'
%% removes the logger handler and system_monitor; cleanup again here in
%% case that process was killed before it could.
-spec stop(term()) -> ok.
stop(_State) ->
    beamscope_events:cleanup().

start_checked() ->
    case beamscope_config:read() of
        {ok, Config} ->
            case code:ensure_loaded(beamscope_nif) of
                {module, beamscope_nif} ->
                    load_all_modules(),
                    start_sup(Config);
                {error, What} ->
                    {error, {nif_not_loaded, What}}
            end;
        {error, _} = Error ->
            Error
    end.

%% Every module of the agent, loaded now: in an interactive node a module
%% is otherwise loaded at its first call, by a viewer's request, creating
%% its atoms and taking the code server's time then (a request must not
%% grow the atom table). Cost: a few ms, once.
load_all_modules() ->
    {ok, Modules} = application:get_key(beamscope, modules),
    _ = code:ensure_modules_loaded(Modules),
    ok.

%% Unwraps the supervisor's nesting so the reason the caller sees is the
%% sampler's own (e.g. {start_failed, <<"stream_endpoint tcp://...: Address
%% already in use">>}).
start_sup(Config) ->
    case beamscope_sup:start_link(Config) of
        {ok, Pid} -> {ok, Pid};
        {error, {shutdown, {failed_to_start_child, _Id, Reason}}} -> {error, Reason};
        {error, Reason} -> {error, Reason}
    end.

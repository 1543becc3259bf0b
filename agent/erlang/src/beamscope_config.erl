%% @doc Reads and validates the agent's application environment. The
%% checks here are syntactic; the NIF re-checks endpoints and reports
%% bind failures (port in use) when it starts.
-module(beamscope_config).

-export([read/0, from_env/1, validate/2, defaults/0]).
-export_type([config/0]).

-type config() :: #{stream_endpoint := binary() | disabled,
                    collector_endpoints := [{binary(), binary() | disabled}],
                    metrics_listen := binary() | disabled,
                    tick_ms := 100..60000,
                    top_k := 1..1000,
                    mailbox_guard := 0..10000000,
                    budget := float(),
                    mailbox_alarm := pos_integer(),
                    metrics_auth := {binary(), binary()} | disabled,
                    metrics_tls := binary() | disabled,
                    system_monitor := auto | off | force,
                    long_schedule_ms := pos_integer() | disabled,
                    stream_secret_key_file := binary() | disabled,
                    stream_authorized_keys_file := binary() | disabled,
                    stream_insecure_remote := boolean(),
                    stream_max_viewers := 1..10000,
                    tree_walk_ms := 100..3600000,
                    tree_call_timeout_ms := 10..60000,
                    tree_big_supervisor := 10..1000000,
                    tree_page := 1..1000,
                    allow_actions := [gc | kill | suspend | state | messages],
                    history_s := 0..3600,
                    node_name := auto | binary(),
                    attached := [tuple()] | undefined}.

-define(KEYS, [stream_endpoint, collector_endpoints, metrics_listen, tick_ms, top_k, mailbox_guard, budget, mailbox_alarm,
               metrics_auth, metrics_tls, system_monitor, long_schedule_ms,
               stream_secret_key_file, stream_authorized_keys_file, stream_insecure_remote,
               stream_max_viewers, tree_walk_ms, tree_call_timeout_ms, tree_big_supervisor, tree_page, attached,
               allow_actions, history_s, node_name]).
%% Set by OTP itself in every application's env, never by a user.
-define(OTP_KEYS, [included_applications]).

%% @doc Defaults of every key (the same as in beamscope.app.src).
-spec defaults() -> config().
defaults() ->
    #{stream_endpoint => <<"tcp://127.0.0.1:9755">>,
      collector_endpoints => [],
      metrics_listen => <<"127.0.0.1:9754">>,
      tick_ms => 1000,
      top_k => 50,
      mailbox_guard => 100000,
      budget => 0.01,
      mailbox_alarm => 10000,
      metrics_auth => disabled,
      metrics_tls => disabled,
      system_monitor => auto,
      long_schedule_ms => disabled,
      stream_secret_key_file => disabled,
      stream_authorized_keys_file => disabled,
      stream_insecure_remote => false,
      stream_max_viewers => 64,
      tree_walk_ms => 5000,
      tree_call_timeout_ms => 1000,
      tree_big_supervisor => 1000,
      tree_page => 100,
      attached => undefined,
      allow_actions => [],
      history_s => 600,
      node_name => auto}.

%% @doc Reads every key of the `beamscope` application env, validated; a
%% key the agent does not know is refused (a typo would otherwise be a
%% setting silently not applied). Cost: a few ETS lookups.
-spec read() -> {ok, config()} | {error, {bad_config, atom(), term(), string()}}.
read() ->
    from_env([KV || {K, _} = KV <- application:get_all_env(beamscope), not lists:member(K, ?OTP_KEYS)]).

%% @doc Validates a list of `{Key, Value}`; absent keys take their default.
%% The first unknown key, else the first bad value (in ?KEYS order), gives
%% `{error, {bad_config, Key, Value, Why}}`; for an unknown key Why names
%% the nearest known key ("unknown key; did you mean tick_ms?").
-spec from_env([{atom(), term()}]) -> {ok, config()} | {error, {bad_config, atom(), term(), string()}}.
from_env(Env) ->
    case [KV || {K, _} = KV <- Env, not lists:member(K, ?KEYS)] of
        [{Key, Value} | _] -> {error, {bad_config, Key, Value, unknown_key(Key)}};
        [] -> known_env(Env)
    end.

known_env(Env) ->
    case each_key(Env) of
        {ok, #{stream_endpoint := disabled, collector_endpoints := []}} ->
            {error, {bad_config, stream_endpoint, disabled,
                     "nothing could reach the stream: give collector_endpoints (collectors the agent dials) "
                     "or a stream_endpoint to bind"}};
        Result ->
            Result
    end.

each_key(Env) ->
    lists:foldl(
      fun(_, {error, _} = E) -> E;
         (Key, {ok, Acc}) ->
              case lists:keyfind(Key, 1, Env) of
                  false -> {ok, Acc};
                  {Key, Value} ->
                      case validate(Key, Value) of
                          {ok, Clean} -> {ok, Acc#{Key => Clean}};
                          {error, Why} -> {error, {bad_config, Key, Value, Why}}
                      end
              end
      end, {ok, defaults()}, ?KEYS).

%% @doc Checks one key; returns the normalized value (strings as binaries).
-spec validate(atom(), term()) -> {ok, term()} | {error, string()}.
%% disabled: no inbound port (the agent only dials collector_endpoints).
validate(stream_endpoint, disabled) ->
    {ok, disabled};
validate(stream_endpoint, V) ->
    case text(V) of
        {ok, B} -> endpoint(B);
        error -> {error, "expected a string like \"tcp://127.0.0.1:9755\""}
    end;
%% Collectors the agent dials (beamscope-collector --agents-listen): each is
%% "tcp://HOST:PORT" (plaintext: loopback only, unless stream_insecure_remote)
%% or {"tcp://HOST:PORT", CollectorPublicKeyFile} for CURVE; the agent's own
%% key is stream_secret_key_file (or a fresh pair when it has none).
validate(collector_endpoints, V) when is_list(V), length(V) =< 16 ->
    collectors(V, []);
validate(collector_endpoints, _) ->
    {error, "expected a list of at most 16 \"tcp://HOST:PORT\" or {\"tcp://HOST:PORT\", CollectorPublicKeyFile}"};
validate(metrics_listen, disabled) ->
    {ok, disabled};
validate(metrics_listen, V) ->
    case text(V) of
        {ok, B} -> host_port(B);
        error -> {error, "expected \"HOST:PORT\" or the atom disabled"}
    end;
validate(tick_ms, V) -> int_range(V, 100, 60000);
validate(node_name, auto) ->
    {ok, auto};
validate(node_name, V) when is_atom(V) ->
    validate(node_name, atom_to_binary(V, utf8));
validate(node_name, V) ->
    case text(V) of
        {ok, B} ->
            case binary:match(B, [<<" ">>, <<"\t">>]) of
                nomatch -> {ok, B};
                _ -> {error, "expected a name without spaces, like \"web-3@host\""}
            end;
        error -> {error, "expected auto or a printable name of 1..255 bytes, like \"web-3@host\" or 'web-3@host'"}
    end;
validate(top_k, V) -> int_range(V, 1, 1000);
%% Above ten million queued messages a single memory read could stall a
%% scheduler for seconds: that is no guard.
validate(mailbox_guard, V) -> int_range(V, 0, 10000000);
%% Share of the node's scheduler capacity the agent may use.
validate(budget, V) when is_number(V), V >= 0.001, V =< 0.5 -> {ok, float(V)};
validate(budget, _) -> {error, "expected a number in 0.001..0.5 (share of scheduler capacity, 0.01 = 1%)"};
validate(mailbox_alarm, V) -> int_range(V, 1, 1 bsl 32);
validate(metrics_auth, disabled) -> {ok, disabled};
validate(metrics_auth, {file, Path}) -> auth_file(Path);
validate(metrics_auth, {User, Password}) ->
    case {text(User), secret(Password)} of
        {{ok, U}, {ok, P}} -> credentials(U, P);
        _ -> {error, "expected {User, Password} as non-empty strings"}
    end;
validate(metrics_auth, _) -> {error, "expected disabled, {User, Password} or {file, Path}"};
validate(metrics_tls, disabled) -> {ok, disabled};
validate(metrics_tls, V) ->
    case text(V) of
        {ok, B} -> {ok, B};
        error -> {error, "expected the path of a PEM file holding the key and the certificate"}
    end;
validate(system_monitor, V) when V =:= auto; V =:= off; V =:= force -> {ok, V};
validate(system_monitor, _) -> {error, "expected auto, off or force"};
%% long_schedule monitoring makes the VM time every context switch: a cost
%% on the host's own message passing, so it is opt-in.
validate(long_schedule_ms, disabled) -> {ok, disabled};
validate(long_schedule_ms, V) -> int_range(V, 1, 60000);
%% CURVE keys: only the paths are checked here; the NIF reads the files
%% (permissions, Z85 format, line numbers in errors) with the same parser as
%% every viewer, and refuses a non-loopback bind without a secret key.
validate(stream_secret_key_file, disabled) -> {ok, disabled};
validate(stream_secret_key_file, V) -> path(V, "the path of a CURVE secret key file (beamscope-ctl keygen PATH writes PATH.secret)");
validate(stream_authorized_keys_file, disabled) -> {ok, disabled};
validate(stream_authorized_keys_file, V) -> path(V, "the path of a file of authorized viewer public keys, one Z85 key a line");
validate(stream_insecure_remote, V) when is_boolean(V) -> {ok, V};
validate(stream_insecure_remote, _) -> {error, "expected true or false"};
%% Connections to the stream served at once; more are told so and closed.
validate(stream_max_viewers, V) -> int_range(V, 1, 10000);
%% The supervision tree: how often it is re-walked, how long one
%% supervisor's answer is waited for, above how many children a supervisor
%% is summarised to a page of that many.
validate(tree_walk_ms, V) -> int_range(V, 100, 3600000);
validate(tree_call_timeout_ms, V) -> int_range(V, 10, 60000);
validate(tree_big_supervisor, V) -> int_range(V, 10, 1000000);
validate(tree_page, V) -> int_range(V, 1, 1000);
%% Seconds of VM gauges and events the agent keeps for viewers that connect
%% later (0: none); the ring holds at most 4096 ticks whatever the window.
validate(history_s, V) -> int_range(V, 0, 3600);
%% Written by `beamscope-ctl attach' (what detach needs to undo), read
%% back by detach; the agent only carries it.
%% Actions on processes viewers may take (beamscope_actions); off unless named.
validate(allow_actions, V) when is_list(V), length(V) >= 0 ->
    Known = [gc, kill, suspend, state, messages],
    case [A || A <- V, not lists:member(A, Known)] of
        [] -> {ok, lists:usort(V)};
        _ -> {error, "expected a list of gc, kill, suspend, state, messages"}
    end;
validate(allow_actions, _) -> {error, "expected a list of gc, kill, suspend, state, messages"};
validate(attached, V) when is_list(V) -> {ok, V};
validate(attached, _) -> {error, "expected the list beamscope-ctl attach writes"};
validate(Key, _) -> {error, unknown_key(Key)}.

%% The hint names the known key closest in edit distance, when it is close
%% enough to be the likely intent.
unknown_key(Key) ->
    Name = key_text(Key),
    %% Ties go to the longer common prefix (tree_walk: tree_walk_ms, not tree_page).
    {Dist, _, Best} = lists:min([{distance(Name, atom_to_list(K)), -prefix(Name, atom_to_list(K)), K}
                                 || K <- ?KEYS]),
    case Dist =< max(2, length(Name) div 3) of
        true -> lists:flatten(io_lib:format("unknown key; did you mean ~ts?", [Best]));
        false -> lists:flatten(io_lib:format("unknown key; known keys: ~ts",
                                             [lists:join(", ", [atom_to_list(K) || K <- ?KEYS])]))
    end.

key_text(K) when is_atom(K) -> lists:sublist(atom_to_list(K), 64);
key_text(K) -> lists:sublist(lists:flatten(io_lib:format("~0tp", [K])), 64).

prefix([C | A], [C | B]) -> 1 + prefix(A, B);
prefix(_, _) -> 0.

%% Levenshtein distance, one row at a time (keys are short).
distance(A, B) ->
    First = lists:seq(0, length(B)),
    {_, Last} = lists:foldl(
                  fun(CA, {I, Prev}) ->
                          {I + 1, lists:reverse(row(CA, B, Prev, [I + 1]))}
                  end, {0, First}, A),
    lists:last(Last).

row(_CA, [], _Prev, Acc) -> Acc;
row(CA, [CB | Bs], [Diag, Up | Prev], [Left | _] = Acc) ->
    Cost = case CA =:= CB of true -> 0; false -> 1 end,
    row(CA, Bs, [Up | Prev], [min(min(Up + 1, Left + 1), Diag + Cost) | Acc]).

path(V, What) ->
    case text(V) of
        {ok, B} -> {ok, B};
        error -> {error, "expected disabled or " ++ What}
    end.

%% HTTP basic auth sends "user:password": a colon in the user cannot work.
credentials(U, P) ->
    case binary:match(U, <<":">>) of
        nomatch -> {ok, {U, P}};
        _ -> {error, "the user name cannot contain ':'"}
    end.

%% A file with one line "user:password": keeps the password out of sys.config.
auth_file(Path) ->
    case text(Path) of
        error -> {error, "expected {file, Path} with Path a string"};
        {ok, P} ->
            case file:read_file(P) of
                {ok, Bin} ->
                    [Line | _] = binary:split(Bin, [<<"\r\n">>, <<"\n">>]),
                    case string:split(Line, ":") of
                        [U, Pw] when byte_size(U) > 0, byte_size(Pw) > 0 -> credentials(U, Pw);
                        _ -> {error, "the auth file must hold one line user:password"}
                    end;
                {error, Why} ->
                    {error, lists:flatten(io_lib:format("cannot read ~ts: ~ts", [P, file:format_error(Why)]))}
            end
    end.

%% Passwords may hold any byte except what HTTP headers cannot carry.
secret(V) when is_list(V) ->
    try unicode:characters_to_binary(V) of
        B when is_binary(B) -> secret(B);
        _ -> error
    catch _:_ -> error
    end;
secret(V) when is_binary(V), byte_size(V) > 0, byte_size(V) =< 255 ->
    case binary:match(V, [<<"\n">>, <<"\r">>, <<0>>]) of
        nomatch -> {ok, V};
        _ -> error
    end;
secret(_) -> error.

int_range(V, Lo, Hi) when is_integer(V), V >= Lo, V =< Hi -> {ok, V};
int_range(_, Lo, Hi) -> {error, lists:flatten(io_lib:format("expected an integer in ~b..~b", [Lo, Hi]))}.

%% Accepts strings (Erlang) and binaries (Elixir config); nothing else.
text(V) when is_binary(V) -> printable(V);
text(V) when is_list(V) ->
    try unicode:characters_to_binary(V) of
        B when is_binary(B) -> printable(B);
        _ -> error
    catch _:_ -> error
    end;
text(_) -> error.

printable(B) when byte_size(B) > 0, byte_size(B) =< 255 ->
    case io_lib:printable_latin1_list(binary_to_list(B)) of
        true -> {ok, B};
        false -> error
    end;
printable(_) -> error.

collectors([], Acc) ->
    {ok, lists:reverse(Acc)};
collectors([{Endpoint, KeyFile} | Rest], Acc) ->
    case {collector_endpoint(Endpoint), path(KeyFile, "the collector's public key file (.pub)")} of
        {{ok, E}, {ok, K}} -> collectors(Rest, [{E, K} | Acc]);
        {{error, _} = Error, _} -> Error;
        {_, {error, _}} -> {error, "expected {\"tcp://HOST:PORT\", CollectorPublicKeyFile} with the key file a string"}
    end;
collectors([Endpoint | Rest], Acc) ->
    case collector_endpoint(Endpoint) of
        {ok, E} -> collectors(Rest, [{E, disabled} | Acc]);
        Error -> Error
    end.

collector_endpoint(V) ->
    case text(V) of
        {ok, <<"tcp://", _/binary>> = B} -> endpoint(B);
        _ -> {error, "expected each collector as \"tcp://HOST:PORT\" or {\"tcp://HOST:PORT\", CollectorPublicKeyFile}"}
    end.

endpoint(<<"tcp://", Rest/binary>> = B) ->
    case host_port(Rest) of
        {ok, _} -> {ok, B};
        {error, _} -> {error, "expected tcp://HOST:PORT with PORT in 1..65535"}
    end;
endpoint(<<"ipc://", Path/binary>> = B) when byte_size(Path) > 0 -> {ok, B};
endpoint(<<"inproc://", Name/binary>> = B) when byte_size(Name) > 0 -> {ok, B};
endpoint(_) -> {error, "expected tcp://HOST:PORT or ipc://PATH"}.

%% "HOST:PORT"; the host may be an IPv6 literal in brackets, so split at
%% the last colon.
host_port(B) ->
    case string:split(B, ":", trailing) of
        [Host, Port] when byte_size(Host) > 0 ->
            try binary_to_integer(Port) of
                P when P >= 1, P =< 65535 -> {ok, B};
                _ -> {error, "port out of 1..65535"}
            catch error:badarg -> {error, "port is not a number"}
            end;
        _ -> {error, "expected HOST:PORT"}
    end.

%% @doc Actions viewers take on processes (protocol 1.3 ActionRequest):
%% gc, kill, suspend and resume, state (sys:get_state/2 with a timeout)
%% and messages (the first N queued). Each is off unless the app env
%% allow_actions names it (resume comes with suspend); a refusal names the
%% setting. Every use, done or refused, is logged in the node's logger
%% with the asking viewer: its CURVE public key when the stream is
%% encrypted (and the key a collector relayed it for), else its ZeroMQ
%% identity. Guards: `messages` is refused above mailbox_guard (reading a
%% mailbox costs its length); printing is bounded (state 64 KiB, each
%% message 2 KiB, depth-limited).
-module(beamscope_actions).

-export([answer/2, allowed/1, setting/1]).

-define(STATE_TIMEOUT_MS, 2000).
-define(MAX_STATE, 65536).
-define(MAX_MESSAGE, 2048).
-define(MAX_MESSAGES, 100).
-define(DEPTH, 20).

%% @doc The actions this agent allows (allow_actions, and resume with suspend).
-spec allowed(map()) -> [atom()].
allowed(Config) ->
    A = maps:get(allow_actions, Config, []),
    lists:usort(A ++ [resume || lists:member(suspend, A)]).

%% @doc The allow_actions entry that enables `Action'.
-spec setting(atom()) -> atom().
setting(resume) -> suspend;
setting(A) -> A.

%% @doc The ActionResult map answering `Req' (#{request_id, pid, action,
%% count, relayed_for}) for the viewer in `Ctx'.
-spec answer(map(), map()) -> map().
answer(Req, #{config := Config} = Ctx) ->
    Action = maps:get(action, Req, unknown),
    PidText = maps:get(pid, Req, <<>>),
    Base = #{request_id => maps:get(request_id, Req, 0), pid => PidText, action => Action},
    Allowed = lists:member(Action, allowed(Config)),
    Result = case {Allowed, beamscope_proc_detail:to_pid(PidText)} of
                 {false, _} ->
                     Base#{ok => false, refused => true, error => refusal(Action)};
                 {true, {error, Why}} ->
                     Base#{ok => false, error => Why};
                 {true, {ok, Pid}} ->
                     maps:merge(Base, run(Action, Pid, Req, Config))
             end,
    log(Result, Req, Ctx),
    gen_server:cast(beamscope_inspect, {count, case maps:get(refused, Result, false) of
                                                   true -> actions_refused;
                                                   false -> actions_done
                                               end}),
    Result.

%% The protocol's own wording (protocol/processes.hpp action_refusal).
refusal(Action) when Action =:= gc; Action =:= kill; Action =:= suspend; Action =:= resume;
                     Action =:= state; Action =:= messages ->
    beamscope_nif:action_refusal(Action);
refusal(_) ->
    <<"unknown action">>.

run(_Action, Pid, _Req, _Config) when Pid =:= self() ->
    #{ok => false, error => <<"not on the agent's own worker">>};
run(gc, Pid, _Req, _Config) ->
    case erlang:garbage_collect(Pid) of
        true -> #{ok => true};
        false -> gone()
    end;
run(kill, Pid, _Req, _Config) ->
    case is_process_alive(Pid) of
        true -> exit(Pid, kill), #{ok => true};
        false -> gone()
    end;
run(Action, Pid, _Req, _Config) when Action =:= suspend; Action =:= resume ->
    %% A suspension lasts while its suspender lives: beamscope_inspect
    %% suspends and resumes, not this short-lived worker.
    case gen_server:call(beamscope_inspect, {Action, Pid}, 5000) of
        ok -> #{ok => true};
        {error, Why} -> #{ok => false, error => Why}
    end;
run(state, Pid, _Req, _Config) ->
    try sys:get_state(Pid, ?STATE_TIMEOUT_MS) of
        State ->
            {Text, Cut} = print(State, ?MAX_STATE),
            #{ok => true, text => Text, truncated => Cut}
    catch
        exit:{timeout, _} -> #{ok => false, error => <<"no answer to sys:get_state/2 within 2000 ms">>};
        _:Why -> #{ok => false, error => <<"sys:get_state/2 failed: ", (beamscope_tree_walk:print_bounded(Why, 300))/binary>>}
    end;
run(messages, Pid, Req, Config) ->
    Guard = maps:get(mailbox_guard, Config, 100000),
    N = max(1, min(maps:get(count, Req, 10), ?MAX_MESSAGES)),
    case erlang:process_info(Pid, message_queue_len) of
        undefined -> gone();
        {_, Mq} when Mq > Guard ->
            gen_server:cast(beamscope_inspect, {count, messages_guarded}),
            #{ok => false, message_queue_len => Mq,
              error => <<"mailbox of ", (integer_to_binary(Mq))/binary, " messages is above mailbox_guard (",
                         (integer_to_binary(Guard))/binary, "): not read">>};
        {_, Mq} ->
            case erlang:process_info(Pid, messages) of
                undefined -> gone();
                {messages, Ms} ->
                    Printed = [print(M, ?MAX_MESSAGE) || M <- lists:sublist(Ms, N)],
                    #{ok => true, message_queue_len => Mq, messages => [T || {T, _} <- Printed],
                      truncated => lists:any(fun({_, C}) -> C end, Printed)}
            end
    end;
run(_Other, _Pid, _Req, _Config) ->
    #{ok => false, error => <<"unknown action">>}.

gone() -> #{ok => false, error => <<"no such process">>}.

%% Depth-limited and cut to Max bytes; true when something was cut.
print(Term, Max) ->
    Text = try unicode:characters_to_binary(io_lib:format("~tP", [Term, ?DEPTH], [{chars_limit, Max}]))
           catch _:_ -> <<"?">>
           end,
    Bin = case is_binary(Text) of true -> Text; false -> <<"?">> end,
    case byte_size(Bin) > Max of
        true -> {binary:part(Bin, 0, Max), true};
        false -> {Bin, byte_size(Bin) >= Max - 3}
    end.

log(Result, Req, #{viewer := Viewer, viewer_key := Key}) ->
    Who = case Key of
              <<>> -> <<"plaintext viewer ", (binary:encode_hex(Viewer))/binary>>;
              _ -> <<"viewer key ", Key/binary>>
          end,
    Via = case maps:get(relayed_for, Req, <<>>) of
              <<>> -> <<>>;
              For -> <<" (relayed by a collector for viewer key ", For/binary, ")">>
          end,
    Outcome = case Result of
                  #{ok := true} -> <<"done">>;
                  #{refused := true} -> <<"refused (not in allow_actions)">>;
                  #{error := E} -> <<"failed: ", E/binary>>
              end,
    %% No domain: the default handler drops domains other than OTP's.
    logger:notice("beamscope: action ~ts on ~ts asked by ~ts~ts: ~ts",
                  [maps:get(action, Result), maps:get(pid, Result), Who, Via, Outcome]).

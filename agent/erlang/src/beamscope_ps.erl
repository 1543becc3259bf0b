%% @doc Pages of every process (protocol 1.3 ProcessesRequest): the NIF
%% sorts and filters its own sweep table (beamscope_nif:processes_page/2,
%% a dirty NIF over the last complete sweep) and this module enriches the
%% page's rows only, at most 1,000 of them, with
%% `process_info(P, [registered_name, initial_call, current_function])`:
%% never `memory` nor `messages`, so a row costs the same whatever its
%% mailbox. Also owns the name rule the sweep interns (name_items/0):
%% the registered name, else proc_lib's '$initial_call' where the release
%% can read that one key (OTP 26+), else the initial call.
-module(beamscope_ps).

-export([page/2, name_items/0, mfa_text/1, pid_text/1, defaults/0]).

%% OTP 25's spec of process_info/2 has no {dictionary, Key} item (26+), so
%% dialyzer would think these can only fail; dict_item/0 asks the release.
-dialyzer({nowarn_function, [dict_item/0, initial_call/1]}).

-define(ENRICH, [registered_name, initial_call, current_function]).

%% @doc The request's fields with the protocol's defaults.
-spec defaults() -> map().
defaults() ->
    #{request_id => 0, sort => mailbox, ascending => false, name_filter => <<>>, application => <<>>,
      min_mailbox => 0, offset => 0, limit => 100}.

%% @doc The page answering `Req' (a ProcessesRequest as a map), as a
%% ProcessesPage map. Cost: the NIF's scan (O(N) on a dirty scheduler, no
%% lock held) and one process_info/2 of three items per row.
-spec page(reference(), map()) -> map().
page(Ref, Req0) ->
    Req = maps:merge(defaults(), maps:with(maps:keys(defaults()), Req0)),
    Echo = maps:with([request_id, offset, sort, ascending], Req),
    case beamscope_nif:processes_page(Ref, Req) of
        {error, Why} ->
            Echo#{error => Why};
        #{rows := Rows, sweep_age_ms := Age} = P ->
            Echo#{total => maps:get(total, P), swept => maps:get(swept, P), sweep_age_ms => Age,
                  slow_age_ms => maps:get(slow_age_ms, P), gc_age_ms => maps:get(gc_age_ms, P),
                  gc_known => maps:get(gc_known, P), rows => [row(R, Age) || R <- Rows]}
    end.

row({Pid, Name, App, Mq, Growth, Mem, Reds, Gcs, SlowKnown, SlowAge}, Age) ->
    Base = #{pid => pid_text(Pid), name => Name, application => App, message_queue_len => Mq,
             mailbox_growth_per_s => Growth, memory_bytes => Mem, reductions_per_s => Reds,
             minor_gcs => case Gcs of undefined -> 0; _ -> Gcs end,
             age_ms => Age, slow_age_ms => SlowAge, slow_known => SlowKnown},
    case erlang:process_info(Pid, enrich_items()) of
        undefined ->
            Base#{gone => true};
        Info ->
            Reg = case proplists:get_value(registered_name, Info) of
                      A when is_atom(A) -> atom_to_binary(A, utf8);
                      _ -> <<>>
                  end,
            Base#{registered_name => Reg,
                  initial_call => mfa_text(initial_call(Info)),
                  current_function => mfa_text(proplists:get_value(current_function, Info))}
    end.

enrich_items() ->
    case dict_item() of
        true -> ?ENRICH ++ [{dictionary, '$initial_call'}];
        false -> ?ENRICH
    end.

initial_call(Info) ->
    case lists:keyfind({dictionary, '$initial_call'}, 1, Info) of
        {_, {_, _, _} = MFA} -> MFA;
        _ -> proplists:get_value(initial_call, Info)
    end.

%% @doc What the slow tier of the sweep reads beyond its counters, for the
%% process table's names (see the module doc).
-spec name_items() -> [atom() | {dictionary, '$initial_call'}].
name_items() ->
    case dict_item() of
        true -> [registered_name, initial_call, {dictionary, '$initial_call'}];
        false -> [registered_name, initial_call]
    end.

%% Whether process_info/2 takes {dictionary, Key} (OTP 26+): one key of
%% the dictionary, never all of it. Asked once, kept in persistent_term.
dict_item() ->
    case persistent_term:get({?MODULE, dict_item}, unknown) of
        unknown ->
            Yes = try erlang:process_info(self(), [{dictionary, '$initial_call'}]) of
                      _ -> true
                  catch error:badarg -> false
                  end,
            persistent_term:put({?MODULE, dict_item}, Yes),
            Yes;
        Known ->
            Known
    end.

%% @doc "mod:fun/arity" for an MFA, "" for anything else.
-spec mfa_text(term()) -> binary().
mfa_text({M, F, A}) when is_atom(M), is_atom(F), is_integer(A) ->
    <<(atom_to_binary(M, utf8))/binary, ":", (atom_to_binary(F, utf8))/binary, "/", (integer_to_binary(A))/binary>>;
mfa_text(_) ->
    <<>>.

-spec pid_text(pid() | port()) -> binary().
pid_text(P) when is_pid(P) -> list_to_binary(pid_to_list(P));
pid_text(P) when is_port(P) -> list_to_binary(erlang:port_to_list(P));
pid_text(_) -> <<>>.

%% @doc What the tree may do with a process, judged from process_info
%% alone (never a message to it): whether it runs the supervisor behaviour,
%% whether it can be called now, and the name it goes by (registered name,
%% else its proc_lib label on OTP 27+). A process sent a call it does not
%% expect may exit (a plain proc_lib loop) or take the message for its own
%% (a catch-all receive): nothing here sends one, and callers send
%% `which_children' or `sys:get_state' only where callable/1 says `ok'.
-module(beamscope_tree_proc).

-export([is_supervisor/1, callable/1, name/1, label/1, dict_value/2]).

-define(NAME_BYTES, 128).

%% @doc True only when `Pid' (a local process) was started by proc_lib as
%% a supervisor: its '$initial_call' is `{supervisor, CallbackModule, 1}',
%% which proc_lib records for every `supervisor:start_link' and which
%% Elixir's Supervisor and DynamicSupervisor (Task.Supervisor,
%% PartitionSupervisor...) set the same way. Cost: one process_info, plus
%% one dictionary key (OTP 26+; the whole dictionary on OTP 25, which
%% cannot read one key).
-spec is_supervisor(term()) -> boolean().
is_supervisor(Pid) when is_pid(Pid), node(Pid) =:= node() ->
    case erlang:process_info(Pid, initial_call) of
        {initial_call, {proc_lib, init_p, 5}} ->
            case dict_value(Pid, '$initial_call') of
                {supervisor, Mod, 1} when is_atom(Mod) -> true;
                {'Elixir.DynamicSupervisor', init, 1} -> true;
                _ -> false
            end;
        _ -> false
    end;
is_supervisor(_) ->
    false.

%% @doc `ok' when `Pid' runs the supervisor behaviour and has finished its
%% init (a supervisor in init takes no call until init returns, and user
%% init code may receive anything: it is not sent one). Otherwise why not:
%% `not_supervisor', `in_init', or `gone'. A supervisor busy elsewhere (in
%% a child's start or shutdown) is `ok': the call waits, with the caller's
%% timeout. Cost: is_supervisor/1, plus the top frames of its stack when it
%% is not idle in its loop.
-spec callable(term()) -> ok | not_supervisor | in_init | gone.
callable(Pid) ->
    case is_supervisor(Pid) of
        false ->
            case is_pid(Pid) andalso erlang:process_info(Pid, status) =:= undefined of
                true -> gone;
                false -> not_supervisor
            end;
        true ->
            case erlang:process_info(Pid, current_function) of
                undefined -> gone;
                {current_function, {gen_server, loop, _}} -> ok;
                {current_function, {erlang, hibernate, 3}} -> ok;
                {current_function, _} -> init_or_busy(Pid)
            end
    end.

%% gen_server runs init/1 under gen_server:init_it (OTP 25 to 29); a frame
%% of it among the top ones means init has not returned. Init code deeper
%% than backtrace_depth frames looks busy: it gets a call that waits (and
%% times out), which it only sees once its init returns.
init_or_busy(Pid) ->
    case erlang:process_info(Pid, current_stacktrace) of
        {current_stacktrace, Frames} ->
            case lists:any(fun({M, init_it, _, _}) -> M =:= gen_server orelse M =:= gen;
                              (_) -> false
                           end, Frames) of
                true -> in_init;
                false -> ok
            end;
        undefined -> gone
    end.

%% @doc The name a process goes by: its registered name, else its proc_lib
%% label (OTP 27+), as bounded text; <<>> when it has neither or is gone.
%% Cost: one process_info, one more for the label of an unnamed process.
-spec name(pid()) -> binary().
name(Pid) ->
    case erlang:process_info(Pid, registered_name) of
        {registered_name, Name} when is_atom(Name) -> beamscope_tree_walk:module_name(Name);
        {registered_name, []} -> label(Pid);
        _ -> <<>>
    end.

%% @doc The proc_lib label (`proc_lib:set_label/1', OTP 27+) as bounded
%% text, <<>> when there is none or the release has no labels. Reads one
%% dictionary key of the process (proc_lib:get_label/1 is a process_info
%% of '$process_label' for a local pid): cheap, no message.
-spec label(pid()) -> binary().
label(Pid) when is_pid(Pid), node(Pid) =:= node() ->
    case erlang:function_exported(proc_lib, get_label, 1) of
        true ->
            %% apply/3: the call must compile, and pass dialyzer, on OTP 25.
            try erlang:apply(proc_lib, get_label, [Pid]) of
                undefined -> <<>>;
                Label -> label_text(Label)
            catch _:_ -> <<>>
            end;
        false -> <<>>
    end;
label(_) ->
    <<>>.

label_text(L) when is_atom(L) -> beamscope_tree_walk:child_name(L);
label_text(L) when is_binary(L) -> beamscope_tree_walk:child_name(L);
label_text(L) when is_list(L) ->
    try unicode:characters_to_binary(L) of
        B when is_binary(B) -> beamscope_tree_walk:child_name(B);
        _ -> beamscope_tree_walk:print_bounded(L, ?NAME_BYTES)
    catch _:_ -> beamscope_tree_walk:print_bounded(L, ?NAME_BYTES)
    end;
label_text(L) -> beamscope_tree_walk:print_bounded(L, ?NAME_BYTES).

%% @doc One key of a local process's dictionary, `undefined' when absent
%% or the process is gone. OTP 26+ reads the one key; OTP 25 copies the
%% whole dictionary (it has no such item).
-spec dict_value(pid(), term()) -> term().
-if(?OTP_RELEASE >= 26).
dict_value(Pid, Key) ->
    case erlang:process_info(Pid, {dictionary, Key}) of
        {{dictionary, Key}, Value} -> Value;
        undefined -> undefined
    end.
-else.
dict_value(Pid, Key) ->
    case erlang:process_info(Pid, dictionary) of
        {dictionary, Dict} ->
            case lists:keyfind(Key, 1, Dict) of
                {_, Value} -> Value;
                false -> undefined
            end;
        undefined -> undefined
    end.
-endif.

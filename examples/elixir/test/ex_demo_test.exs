defmodule ExDemoTest do
  @moduledoc """
  Boots the example with the beamscope agent (mix starts :beamscope
  before :ex_demo, configured by config/*.exs) and checks what the agent
  exports: /metrics against the node's own numbers, and the supervision
  tree through `beamscope-ctl tree --json` (BEAMSCOPE_CTL), with Elixir
  module names as Elixir writes them.
  """
  use ExUnit.Case, async: false

  alias ExDemo.JsonLite

  defp metrics_url, do: "http://#{Application.fetch_env!(:beamscope, :metrics_listen)}/metrics"
  defp stream, do: Application.fetch_env!(:beamscope, :stream_endpoint)

  defp eventually(what, timeout_ms, fun) do
    deadline = System.monotonic_time(:millisecond) + timeout_ms
    poll(what, deadline, fun)
  end

  defp poll(what, deadline, fun) do
    case (try do fun.() rescue e -> {:error, e} end) do
      {:ok, value} -> value
      other ->
        if System.monotonic_time(:millisecond) > deadline,
          do: flunk("timed out waiting for #{what}: #{inspect(other)}"),
          else: (Process.sleep(250); poll(what, deadline, fun))
    end
  end

  defp scrape do
    {:ok, {{_, 200, _}, _, body}} =
      :httpc.request(:get, {String.to_charlist(metrics_url()), []}, [timeout: 5_000], [])
    List.to_string(body)
  end

  defp sample(text, name) do
    case Regex.run(~r/^#{name}(?:\{[^}]*\})?\s+(\S+)$/m, text) do
      [_, v] -> v |> Float.parse() |> elem(0)
      nil -> nil
    end
  end

  defp ctl(args) do
    ctl = System.get_env("BEAMSCOPE_CTL") || flunk("BEAMSCOPE_CTL (path of beamscope-ctl) is not set")
    case System.cmd(ctl, ["--connect", stream(), "--timeout-ms", "3000" | args], stderr_to_stdout: true) do
      {out, 0} -> {:ok, JsonLite.decode!(out)}
      {out, rc} -> {:error, {rc, out}}
    end
  end

  defp walk(entry), do: [entry | Enum.flat_map(entry["children"], &walk/1)]

  test "the agent runs inside the Elixir app's node" do
    assert {:ok, _} = Application.ensure_all_started(:ex_demo)
    assert Enum.any?(Application.started_applications(), &match?({:beamscope, _, _}, &1))
  end

  test "/metrics reports this node's process count" do
    eventually("/metrics", 20_000, fn ->
      text = scrape()
      scraped = sample(text, "erlang_vm_process_count")
      truth = :erlang.system_info(:process_count)
      if scraped && abs(scraped - truth) <= 0.01 * truth, do: {:ok, scraped}, else: {:retry, scraped, truth}
    end)
  end

  test "the tree shows the app with Elixir module names and the crasher's restarts" do
    tree =
      eventually("a tree with a restarted ExDemo.Crasher", 30_000, fn ->
        with {:ok, doc} <- ctl(["tree", "--json"]),
             app when app != nil <- Enum.find(doc["applications"], &(&1["name"] == "ex_demo")),
             entries = walk(app),
             %{"restarts_total" => n} when n > 0 <- Enum.find(entries, &(&1["name"] == "ExDemo.Crasher")) do
          {:ok, entries}
        else
          other -> {:retry, other}
        end
      end)

    names = Enum.map(tree, & &1["name"])
    for name <- ~w(ExDemo.Supervisor ExDemo.Counter ExDemo.Sessions ExDemo.Crasher ExDemo.Backlog ExDemo.Tasks ExDemo.Registry) do
      assert name in names or Enum.any?(tree, &(&1["registered_name"] == name)), "#{name} not in #{inspect(names)}"
    end
    refute Enum.any?(tree, &String.contains?(&1["name"] <> Enum.join(&1["modules"], ","), "Elixir.")),
           "a raw 'Elixir.' atom leaked into the tree"

    sessions = Enum.find(tree, &(&1["name"] == "ExDemo.Sessions"))
    assert sessions["kind"] == "supervisor"
    assert sessions["children_total"] >= 3
    # The tree matches the node's own view of the dynamic supervisor.
    assert sessions["active_children"] == DynamicSupervisor.count_children(ExDemo.Sessions).active
  end

  test "the backlog process leads top --by mailbox" do
    eventually("ExDemo.Backlog first by mailbox", 20_000, fn ->
      with {:ok, doc} <- ctl(["top", "--by", "mailbox", "--limit", "3", "--json"]),
           [first | _] <- doc["processes"],
           true <- first["pid"] == List.to_string(:erlang.pid_to_list(Process.whereis(ExDemo.Backlog))) do
        {:ok, first}
      else
        other -> {:retry, other}
      end
    end)
  end
end

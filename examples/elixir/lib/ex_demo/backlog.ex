defmodule ExDemo.Backlog do
  @moduledoc """
  A slow consumer: a feeder sends it a message every `backlog_interval_ms`
  and it takes longer than that to handle each, so its mailbox builds up
  (bounded: it drops everything once the mailbox passes 5,000).
  """
  use GenServer

  @limit 5_000

  @spec start_link(term()) :: GenServer.on_start()
  def start_link(_), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  @impl true
  def init(:ok) do
    me = self()
    interval = Application.get_env(:ex_demo, :backlog_interval_ms, 20)
    spawn_link(fn -> feed(me, interval) end)
    {:ok, 0}
  end

  @impl true
  def handle_info({:job, _n}, handled) do
    {:message_queue_len, len} = Process.info(self(), :message_queue_len)
    if len > @limit, do: drain(), else: Process.sleep(5)
    {:noreply, handled + 1}
  end

  defp drain do
    receive do
      {:job, _} -> drain()
    after
      0 -> :ok
    end
  end

  defp feed(to, interval) do
    for n <- 1..10, do: send(to, {:job, n})
    Process.sleep(interval)
    feed(to, interval)
  end
end

defmodule ExDemo.Crasher do
  @moduledoc "Crashes every `crash_interval_ms` so the tree shows restarts."
  use GenServer
  require Logger

  @spec start_link(term()) :: GenServer.on_start()
  def start_link(_), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  @impl true
  def init(:ok) do
    Process.send_after(self(), :crash, Application.get_env(:ex_demo, :crash_interval_ms, 3_000))
    {:ok, :armed}
  end

  @impl true
  def handle_info(:crash, _state), do: raise("deliberate example crash")
end

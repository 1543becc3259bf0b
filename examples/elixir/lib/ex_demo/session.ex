defmodule ExDemo.Session do
  @moduledoc "One session, registered by name in ExDemo.Registry; ticks the counter."
  use GenServer, restart: :transient

  @spec start_link(String.t()) :: GenServer.on_start()
  def start_link(name), do: GenServer.start_link(__MODULE__, name, name: via(name))

  @spec via(String.t()) :: {:via, Registry, {ExDemo.Registry, String.t()}}
  def via(name), do: {:via, Registry, {ExDemo.Registry, name}}

  @impl true
  def init(name) do
    :timer.send_interval(500, :tick)
    {:ok, name}
  end

  @impl true
  def handle_info(:tick, name) do
    Task.Supervisor.start_child(ExDemo.Tasks, fn -> ExDemo.Counter.bump() end)
    {:noreply, name}
  end
end

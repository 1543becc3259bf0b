defmodule ExDemo.Sessions do
  @moduledoc "A DynamicSupervisor of ExDemo.Session children."
  use DynamicSupervisor

  @spec start_link(term()) :: Supervisor.on_start()
  def start_link(_), do: DynamicSupervisor.start_link(__MODULE__, :ok, name: __MODULE__)

  @spec open(String.t()) :: DynamicSupervisor.on_start_child()
  def open(name), do: DynamicSupervisor.start_child(__MODULE__, {ExDemo.Session, name})

  @impl true
  def init(:ok), do: DynamicSupervisor.init(strategy: :one_for_one)
end

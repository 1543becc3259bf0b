defmodule ExDemo.Counter do
  @moduledoc "A GenServer holding a counter; sessions and tasks bump it."
  use GenServer

  @spec start_link(term()) :: GenServer.on_start()
  def start_link(_), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)

  @spec bump(pos_integer()) :: :ok
  def bump(n \\ 1), do: GenServer.cast(__MODULE__, {:bump, n})

  @spec value() :: non_neg_integer()
  def value, do: GenServer.call(__MODULE__, :value)

  @impl true
  def init(n), do: {:ok, n}

  @impl true
  def handle_cast({:bump, n}, total), do: {:noreply, total + n}

  @impl true
  def handle_call(:value, _from, total), do: {:reply, total, total}
end

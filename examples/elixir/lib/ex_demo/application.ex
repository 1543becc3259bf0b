defmodule ExDemo.Application do
  @moduledoc """
  The example's supervision tree:

      ExDemo.Supervisor (one_for_one)
      ├── Registry ExDemo.Registry        sessions by name
      ├── Task.Supervisor ExDemo.Tasks    short jobs
      ├── ExDemo.Counter                  a GenServer
      ├── ExDemo.Sessions                 DynamicSupervisor of ExDemo.Session
      ├── ExDemo.Crasher                  crashes on a timer, restarted
      └── ExDemo.Backlog                  mailbox builds up (slow consumer)
  """
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      {Registry, keys: :unique, name: ExDemo.Registry},
      {Task.Supervisor, name: ExDemo.Tasks},
      ExDemo.Counter,
      ExDemo.Sessions,
      ExDemo.Crasher,
      ExDemo.Backlog
    ]

    with {:ok, sup} <- Supervisor.start_link(children, strategy: :one_for_one, name: ExDemo.Supervisor) do
      for name <- ["alice", "bob", "carol"], do: ExDemo.Sessions.open(name)
      {:ok, sup}
    end
  end
end

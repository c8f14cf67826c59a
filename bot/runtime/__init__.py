"""Starting and observing the processes: runner, production profile, training, endpoints, health and metrics."""

namespace ChitBox.AppHost.Hosting;

/// <summary>Something the AppHost starts, waits for, announces and stops.</summary>
public interface IResource : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Where to reach it, printed once it is healthy.</summary>
    string Address { get; }

    /// <summary>Starts it and returns once it is healthy.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Completes if the resource stops on its own, with a reason.</summary>
    Task<string> Stopped { get; }
}

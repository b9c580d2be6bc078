using System.Runtime.InteropServices;
using ChitBox.AppHost.Resources;
using ChitBox.LocalInfrastructure;

namespace ChitBox.AppHost.Hosting;

/// <summary>
/// Starts the resources in order, each healthy before the next, then runs until Ctrl+C,
/// SIGTERM, or a resource stopping on its own; then stops them all in reverse order.
/// </summary>
public sealed class DistributedApplication(IReadOnlyList<IResource> resources)
{
    public async Task<int> RunAsync()
    {
        using var stopping = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var started = new List<IResource>();
        var exitCode = 0;
        try
        {
            foreach (var resource in resources)
            {
                started.Add(resource);
                await resource.StartAsync(stopping.Token);
                ResourceOutput.Announce($"{resource.Name}: {resource.Address}");
            }

            ResourceOutput.Announce("ChitBox is running. Press Ctrl+C to stop.");
            var stoppedOnItsOwn = Task.WhenAny(started.Select(r => r.Stopped));
            var signalled = Task.Delay(Timeout.Infinite, stopping.Token);
            if (await Task.WhenAny(stoppedOnItsOwn, signalled) == stoppedOnItsOwn)
            {
                var stopped = await stoppedOnItsOwn;
                var name = started.First(r => r.Stopped == stopped).Name;
                await Console.Error.WriteLineAsync($"{name} stopped unexpectedly: {await stopped}. Stopping the others.");
                exitCode = 1;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is LocalInfrastructureException or InvalidOperationException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            exitCode = 1;
        }
        finally
        {
            ResourceOutput.Announce("Stopping ChitBox...");
            // The services together (they drain their sessions in parallel), then what they use.
            await StopAllAsync(started.OfType<ProjectResource>());
            await StopAllAsync(started.Where(r => r is not ProjectResource));
        }

        return exitCode;

        static Task StopAllAsync(IEnumerable<IResource> resources) =>
            Task.WhenAll(resources.Select(r => r.DisposeAsync().AsTask()));

        void OnSignal(PosixSignalContext context)
        {
            // Handled here: the default action would end this process before its children.
            context.Cancel = true;
            stopping.Cancel();
        }
    }
}

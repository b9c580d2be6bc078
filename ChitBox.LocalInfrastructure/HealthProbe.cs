using System.Diagnostics;

namespace ChitBox.LocalInfrastructure;

/// <summary>Waits for a ChitBox service started here to answer its <c>/health</c> endpoint.</summary>
public static class HealthProbe
{
    /// <summary>
    /// Polls <c>http://127.0.0.1:{port}/health</c> until it answers 200 (true), the process
    /// stops first (false), or <paramref name="timeout"/> passes (<see cref="TimeoutException"/>).
    /// </summary>
    public static async Task<bool> WaitUntilHealthyAsync(
        int port, TimeSpan timeout, Func<bool> hasStopped, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = $"http://127.0.0.1:{port}/health";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (hasStopped())
            {
                return false;
            }

            try
            {
                using var response = await http.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This probe timed out; the next may not.
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"No healthy answer from {health} within {timeout.TotalSeconds:0} s.");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ChitBox.Bench.Load;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChitBox.Bench.Measure;

/// <summary>
/// One SignalR connection per bench user to the API's <c>/hubs/mail</c>, noting when each
/// <c>new_email</c> arrives (Stopwatch timestamp), keyed by the token in its subject.
/// </summary>
public sealed class NewEmailListener : IAsyncDisposable
{
    private readonly List<HubConnection> _connections = [];
    private readonly ConcurrentDictionary<MessageToken, long> _arrivals = new();
    private long _events;

    public long Events => Interlocked.Read(ref _events);

    public static async Task<NewEmailListener> ConnectAsync(
        Uri api, IEnumerable<string> accessTokens, CancellationToken cancellationToken)
    {
        var listener = new NewEmailListener();
        try
        {
            foreach (var accessToken in accessTokens)
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(api, "/hubs/mail"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken))
                    .Build();
                connection.On<JsonElement>("new_email", listener.OnNewEmail);
                listener._connections.Add(connection);
                await connection.StartAsync(cancellationToken);
            }

            return listener;
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }
    }

    private void OnNewEmail(JsonElement payload)
    {
        var arrived = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _events);
        if (payload.TryGetProperty("email", out var email)
            && email.TryGetProperty("subject", out var subject)
            && subject.GetString() is { } text
            && text.StartsWith(MessageTemplate.SubjectPrefix, StringComparison.Ordinal)
            && MessageToken.TryParse(text[MessageTemplate.SubjectPrefix.Length..], out var token))
        {
            _arrivals.TryAdd(token, arrived);
        }
    }

    /// <summary>
    /// Waits until every accepted message's event has arrived, or no new one came for
    /// <paramref name="quiet"/>; returns the delays from each 250 to its event, in
    /// milliseconds, and how many never arrived.
    /// </summary>
    public async Task<(IReadOnlyList<double> Delays, int Missing)> CollectAsync(
        IReadOnlyList<AcceptedMessage> accepted, TimeSpan quiet, CancellationToken cancellationToken)
    {
        var lastCount = -1;
        var lastChange = Stopwatch.GetTimestamp();
        while (true)
        {
            var arrived = accepted.Count(m => _arrivals.ContainsKey(m.Token));
            if (arrived == accepted.Count)
            {
                break;
            }

            if (arrived != lastCount)
            {
                lastCount = arrived;
                lastChange = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastChange) > quiet)
            {
                break;
            }

            await Task.Delay(50, cancellationToken);
        }

        var delays = new List<double>(accepted.Count);
        var missing = 0;
        foreach (var message in accepted)
        {
            if (_arrivals.TryRemove(message.Token, out var at))
            {
                // The event can overtake the 250 on its way to the client: the commit comes before both.
                delays.Add(Math.Max(0, Stopwatch.GetElapsedTime(message.RepliedAt, at).TotalMilliseconds));
            }
            else
            {
                missing++;
            }
        }

        return (delays, missing);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}

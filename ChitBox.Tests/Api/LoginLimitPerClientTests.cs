using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using ChitBox.Api;
using Microsoft.Extensions.DependencyInjection;

namespace ChitBox.Tests.Api;

/// <summary>Its own instance: the per-client count would otherwise be shared with other tests.</summary>
public sealed class LoginLimitPerClientTests
{
    [Fact]
    public async Task Failed_logins_across_accounts_from_one_client_return_429_with_retry_after()
    {
        await using var factory = new ApiFactory().WithSetting("Auth:MaxFailedLoginsPerClient", "3");
        await factory.InitializeAsync();
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var failed = await client.PostAsJsonAsync("/api/auth/login", new { email = TestUser.UniqueEmail("guess"), password = "wrong password" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var throttled = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });

        await ProblemAssert.IsProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.NotNull(throttled.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task The_right_password_logs_in_from_a_client_over_the_limit()
    {
        await using var factory = new ApiFactory().WithSetting("Auth:MaxFailedLoginsPerClient", "3");
        await factory.InitializeAsync();
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.PostAsJsonAsync("/api/auth/login", new { email = TestUser.UniqueEmail("guess"), password = "wrong password" });
        }

        using var counted = CountLogins(factory);
        var throttled = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });
        var login = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(1, counted.Total(ApiTelemetry.LoginsThrottledInstrument));
        Assert.Equal(1, counted.Total(ApiTelemetry.LoginsSucceededInstrument));
        Assert.Equal(0, counted.Total(ApiTelemetry.LoginsFailedInstrument));
    }

    /// <summary>Measurements of this instance's login counters only (meters are process-wide).</summary>
    private static LoginCounters CountLogins(ApiFactory factory) => new(factory.Services.GetRequiredService<IMeterFactory>());

    private sealed class LoginCounters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _totals = new();

        public LoginCounters(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ApiTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
            _listener.Start();
        }

        public long Total(string instrument) => _totals.GetValueOrDefault(instrument);

        public void Dispose() => _listener.Dispose();
    }
}

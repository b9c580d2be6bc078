using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChitBox.Tests.ServiceDefaults;

public sealed class OpenTelemetryTests
{
    [Fact]
    public void With_an_otlp_endpoint_traces_and_metrics_are_gathered()
    {
        using var host = Build(otlpEndpoint: "http://127.0.0.1:4317");

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void Without_one_nothing_is_gathered_only_to_be_dropped()
    {
        using var host = Build(otlpEndpoint: null);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    private static IHost Build(string? otlpEndpoint)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
        builder.AddServiceDefaults("chitbox-test", "ChitBox.Tests");
        return builder.Build();
    }
}

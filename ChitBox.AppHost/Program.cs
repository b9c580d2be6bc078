using ChitBox.AppHost.Hosting;
using ChitBox.AppHost.Resources;
using ChitBox.LocalInfrastructure;

// Children inherit this process's environment, OTEL_EXPORTER_OTLP_* included, as under Aspire.
var builder = AppHostBuilder.Create(args);
var settings = builder.Settings;

var postgres = builder.Add(new PostgresResource("postgres",
    builder.ExternalConnectionString("chitbox"), Path.Combine(builder.DataDirectory, "postgres")));
var redis = builder.Add(new RedisResource("redis", builder.ExternalConnectionString("redis")));

var smtpHealthPort = FreePort.Next();
builder.Add(new ProjectResource("chitbox-smtp", "ChitBox.SmtpIngress",
        $"smtp://127.0.0.1:{settings.SmtpPort} (health http://127.0.0.1:{smtpHealthPort}/health)", smtpHealthPort)
    .WithReference(postgres)
    .WithReference(redis)
    .WithEnvironment("SMTP_SERVER_PORT", settings.SmtpPort.ToString())
    .WithEnvironment("ASPNETCORE_ENVIRONMENT", settings.Environment));

builder.Add(new ProjectResource("chitbox-api", "ChitBox.Api",
        $"http://127.0.0.1:{settings.ApiPort}", healthPort: settings.ApiPort)
    .WithReference(postgres)
    .WithReference(redis)
    // In Development the API keeps its token signing key in the data folder: one key for
    // every instance of this deployment, kept so tokens survive restarts.
    .WithEnvironment("CHITBOX_DATA_DIR", builder.DataDirectory)
    .WithEnvironment("ASPNETCORE_ENVIRONMENT", settings.Environment));

try
{
    return await builder.Build().RunAsync();
}
catch (LocalInfrastructureException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 1;
}

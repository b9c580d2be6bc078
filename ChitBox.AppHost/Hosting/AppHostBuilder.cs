using ChitBox.LocalInfrastructure;
using Microsoft.Extensions.Configuration;

namespace ChitBox.AppHost.Hosting;

/// <summary>Collects resources in start order, as an Aspire <c>IDistributedApplicationBuilder</c> does.</summary>
public sealed class AppHostBuilder
{
    private readonly List<IResource> _resources = [];

    private AppHostBuilder(IConfiguration configuration, AppHostSettings settings)
    {
        Configuration = configuration;
        Settings = settings;
        DataDirectory = Path.GetFullPath(settings.DataDirectory ?? Path.Combine(RepositoryLayout.Root, ".chitbox"));
    }

    public IConfiguration Configuration { get; }

    public AppHostSettings Settings { get; }

    public string DataDirectory { get; }

    public static AppHostBuilder Create(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var settings = configuration.GetSection(AppHostSettings.SectionName).Get<AppHostSettings>() ?? new AppHostSettings();
        return new AppHostBuilder(configuration, settings);
    }

    public TResource Add<TResource>(TResource resource) where TResource : IResource
    {
        _resources.Add(resource);
        return resource;
    }

    /// <summary><c>ConnectionStrings__{name}</c> when set: use that server instead of starting one.</summary>
    public string? ExternalConnectionString(string name) =>
        Configuration.GetConnectionString(name) is { Length: > 0 } connectionString ? connectionString : null;

    /// <summary>Fails before anything starts when a fixed port is taken.</summary>
    public DistributedApplication Build()
    {
        foreach (var (port, setting) in new[] { (Settings.SmtpPort, "AppHost__SmtpPort"), (Settings.ApiPort, "AppHost__ApiPort") })
        {
            // Another ChitBox still running, most likely.
            FreePort.EnsureFree(port, $"choose another port with {setting}");
        }

        return new DistributedApplication(_resources);
    }
}

using ChitBox.LocalInfrastructure;
using Microsoft.Extensions.Configuration;

namespace ChitBox.AppHost.Hosting;

/// <summary>Collects resources in start order, as an Aspire <c>IDistributedApplicationBuilder</c> does.</summary>
public sealed class AppHostBuilder
{
    private readonly List<IResource> _resources = [];

    private AppHostBuilder(IConfiguration configuration, AppHostSettings settings, string repositoryRoot)
    {
        Configuration = configuration;
        Settings = settings;
        RepositoryRoot = repositoryRoot;
        DataDirectory = Path.GetFullPath(settings.DataDirectory ?? Path.Combine(repositoryRoot, ".chitbox"));
    }

    public IConfiguration Configuration { get; }

    public AppHostSettings Settings { get; }

    public string RepositoryRoot { get; }

    public string DataDirectory { get; }

    public static AppHostBuilder Create(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var settings = configuration.GetSection(AppHostSettings.SectionName).Get<AppHostSettings>() ?? new AppHostSettings();
        return new AppHostBuilder(configuration, settings, FindRepositoryRoot());
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
            if (FreePort.IsInUse(port))
            {
                throw new LocalInfrastructureException(
                    $"Port {port} is already in use (another ChitBox still running?). Stop what uses it, or choose another port with {setting}.");
            }
        }

        return new DistributedApplication(_resources);
    }

    /// <summary>The folder holding ChitBox.sln, found upwards from the current folder or this program's.</summary>
    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ChitBox.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("ChitBox.sln was not found above the current folder: run the AppHost from the repository.");
    }
}

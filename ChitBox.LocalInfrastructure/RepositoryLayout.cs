namespace ChitBox.LocalInfrastructure;

/// <summary>
/// Where the repository is, and where a project's build output lies beside this program's:
/// how the AppHost, the benchmark and the tests find the services they start.
/// </summary>
public static class RepositoryLayout
{
    private static string? _root;

    /// <summary>The folder holding ChitBox.sln, found upwards from this program's folder or the current one.</summary>
    public static string Root => _root ??= FindRoot();

    /// <summary>"Debug" or "Release": the configuration this program was built in.</summary>
    public static string Configuration => OutputFolder.Parent!.Name;

    public static string ProjectDirectory(string projectName) => Path.Combine(Root, projectName);

    /// <summary>A project's assembly, built in this program's configuration and framework.</summary>
    public static string BuiltAssembly(string projectName) =>
        Path.Combine(ProjectDirectory(projectName), "bin", Configuration, OutputFolder.Name, projectName + ".dll");

    private static DirectoryInfo OutputFolder => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ChitBox.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("ChitBox.sln was not found above this program or the current folder: run it from the repository.");
    }
}

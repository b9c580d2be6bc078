namespace ChitBox.Tests.Infrastructure;

public static class RepositoryPaths
{
    /// <summary>The folder holding ChitBox.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A project's built assembly, of the same configuration as this test assembly.</summary>
    public static string BuiltAssembly(string projectName)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(Root, projectName, "bin", framework.Parent!.Name, framework.Name, projectName + ".dll");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ChitBox.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ChitBox.sln not found above the test assembly.");
    }
}

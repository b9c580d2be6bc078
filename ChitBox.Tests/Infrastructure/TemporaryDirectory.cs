namespace ChitBox.Tests.Infrastructure;

public static class TemporaryDirectory
{
    /// <summary>A new empty folder under the system temp folder, world-traversable so a server user can reach it.</summary>
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"chitbox-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}

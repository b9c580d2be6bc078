namespace ChitBox.Tests.Infrastructure;

/// <summary>A new empty folder under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    private TemporaryDirectory(string path) => Path = path;

    public string Path { get; }

    public static TemporaryDirectory Create(string prefix)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"chitbox-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return new TemporaryDirectory(path);
    }

    public static implicit operator string(TemporaryDirectory directory) => directory.Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A server still writing there: left for the OS to clean.
        }
    }
}

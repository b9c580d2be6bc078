namespace ChitBox.Tests.Infrastructure;

/// <summary>Sample messages under Fixtures/, copied beside the test assembly.</summary>
public static class Fixtures
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
}

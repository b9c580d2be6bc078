namespace ChitBox.AppHost.Hosting;

/// <summary>A resource other resources reference through <c>ConnectionStrings__{ConnectionName}</c>.</summary>
public interface IConnectionStringResource : IResource
{
    string ConnectionName { get; }

    /// <summary>Known once the resource has started.</summary>
    string ConnectionString { get; }
}

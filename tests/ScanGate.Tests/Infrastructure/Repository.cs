namespace ScanGate.Tests.Infrastructure;

public static class Repository
{
    /// <summary>The repository's root (where ScanGate.sln is), found above the test assembly.</summary>
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ScanGate.sln not found above the test assembly");
    }
}

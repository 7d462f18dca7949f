using System.Xml.Linq;

namespace ScanGate.Tests.Infrastructure;

/// <summary>The repository's projects and what they reference, read from the .csproj files themselves, so a
/// test can say which layer may reach which package.</summary>
public sealed class ProjectGraph
{
    private readonly Dictionary<string, (List<string> Projects, List<string> Packages)> _projects = new(StringComparer.Ordinal);

    public string Root { get; }

    private ProjectGraph(string root) => Root = root;

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ScanGate.sln not found above the test assembly");
    }

    public static ProjectGraph Load() => new(RepositoryRoot());

    /// <summary>The path of a project relative to the root, e.g. "src/ScanGate.Grains/ScanGate.Grains.csproj".</summary>
    public string PathOf(string projectName) =>
        Directory.EnumerateFiles(Root, projectName + ".csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(Path.GetFullPath)
            .SingleOrDefault() ?? throw new InvalidOperationException($"no project {projectName} under {Root}");

    private (List<string> Projects, List<string> Packages) Read(string fullPath)
    {
        if (_projects.TryGetValue(fullPath, out var known)) return known;
        var xml = XDocument.Load(fullPath);
        var dir = Path.GetDirectoryName(fullPath)!;
        var projects = xml.Descendants("ProjectReference")
            .Select(e => Path.GetFullPath(Path.Combine(dir, e.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar))))
            .ToList();
        var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToList();
        return _projects[fullPath] = (projects, packages);
    }

    /// <summary>Every project the named project reaches through ProjectReference, itself included, by name.</summary>
    public IReadOnlySet<string> ProjectsReachedFrom(string projectName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>([PathOf(projectName)]);
        while (todo.TryPop(out var path))
        {
            if (!seen.Add(path)) continue;
            foreach (var next in Read(path).Projects) todo.Push(next);
        }
        return seen.Select(p => Path.GetFileNameWithoutExtension(p)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every package the named project references itself or through the projects it reaches, with the
    /// project that references it.</summary>
    public IReadOnlyList<(string Package, string Via)> PackagesReachedFrom(string projectName) =>
        ProjectsReachedFrom(projectName)
            .SelectMany(p => Read(PathOf(p)).Packages.Select(package => (package, p)))
            .ToList();
}

using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

public class DeploymentFilesTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ScanGate.sln not found above the test assembly");
    }

    [Fact]
    public async Task Docker_compose_file_is_accepted_by_compose_config()
    {
        var root = RepoRoot();
        var (code, _, error) = File.Exists("/usr/bin/docker-compose")
            ? await Proc.RunAsync("docker-compose", "-f", Path.Combine(root, "docker-compose.yml"), "config", "--quiet")
            : await Proc.RunAsync("docker", "compose", "-f", Path.Combine(root, "docker-compose.yml"), "config", "--quiet");
        Assert.True(code == 0, error);
    }

    /// <summary>Images are built from Debian trixie; a tool that only its vendor's release or image provides says so
    /// with the needs-internet marker (build-images.sh skips it here) and runs as the same unprivileged user.</summary>
    [Fact]
    public void Every_container_scanner_has_its_dockerfile_built_from_debian_trixie_or_marked_as_needing_the_internet()
    {
        var root = RepoRoot();
        foreach (var scanner in BuiltIn.Scanners.OfType<IContainerScanner>())
        {
            var name = scanner.DefaultImage.Split('/', ':')[1];
            var dockerfile = Path.Combine(root, "deploy", "scanners", name, "Dockerfile");
            Assert.True(File.Exists(dockerfile), $"{scanner.Name}: {dockerfile} is missing");
            var text = File.ReadAllText(dockerfile);
            var lines = text.Split('\n');
            Assert.True(text.Contains("FROM debian:trixie-slim") || lines.Contains("# scangate: needs-internet"),
                $"{scanner.Name}: {dockerfile} neither starts from debian:trixie-slim nor says it needs the internet");
            Assert.Contains("USER 10001", text);
        }
    }
}

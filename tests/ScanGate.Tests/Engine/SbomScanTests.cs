using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Runtime;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>The <c>sbom</c> scan type for real: cdxgen (scangate/cdxgen) clones a Node project served by `git daemon`
/// on 127.0.0.1 inside its hardened container and lists what its lock file names, without installing anything or
/// asking a registry.</summary>
public sealed class SbomScanTests : IAsyncLifetime
{
    private ScanCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ScanCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>A project whose lock file (npm's lockfileVersion 3) names a scoped and two plain packages.</summary>
    private static readonly Dictionary<string, string> NodeProject = new()
    {
        ["package.json"] = """
            {
              "name": "shop-web",
              "version": "1.0.0",
              "private": true,
              "dependencies": { "@isaacs/string-locale-compare": "1.1.0", "left-pad": "1.3.0", "ms": "2.1.3" }
            }
            """,
        ["package-lock.json"] = """
            {
              "name": "shop-web",
              "version": "1.0.0",
              "lockfileVersion": 3,
              "requires": true,
              "packages": {
                "": {
                  "name": "shop-web",
                  "version": "1.0.0",
                  "dependencies": { "@isaacs/string-locale-compare": "1.1.0", "left-pad": "1.3.0", "ms": "2.1.3" }
                },
                "node_modules/@isaacs/string-locale-compare": {
                  "version": "1.1.0",
                  "resolved": "https://registry.npmjs.org/@isaacs/string-locale-compare/-/string-locale-compare-1.1.0.tgz",
                  "integrity": "sha512-SQ7Kzhh9+D+ZW9MA0zkYv3VXhIDNx+LzM6EJ+/65I3QY+enU6Itte7E5XX7EWrqLW2FN4n06GWzBnPoC3th2aQ==",
                  "license": "ISC"
                },
                "node_modules/left-pad": {
                  "version": "1.3.0",
                  "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
                  "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEG2zcd0GfwQjQY1KGgBXOTnjCq0qNDqN6QwTKD7bNYl8qA==",
                  "license": "WTFPL"
                },
                "node_modules/ms": {
                  "version": "2.1.3",
                  "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
                  "integrity": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R42axAw4Y0qyFe+WGD8GA==",
                  "license": "MIT"
                }
              }
            }
            """,
        ["src/index.js"] = "const ms = require('ms');\nmodule.exports = () => ms('2 days');\n",
    };

    [Fact]
    public async Task Cdxgen_lists_the_packages_of_the_lock_file_as_sbom_components()
    {
        await using var git = await GitRepositoryServer.StartAsync(NodeProject);
        var id = await _cluster.StartScanAsync(new { scan_type = "sbom", target = git.Url });
        var done = await _cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(4));

        Assert.True(done.Status == ScanStatus.Completed, JsonSerializer.Serialize(done.Scanners));
        var run = Assert.Single(done.Scanners);
        Assert.Equal(("cdxgen", RunStatus.Completed), (run.Name, run.Status));
        var findings = await _cluster.AllFindingsAsync(id);
        Assert.Equal([("@isaacs/string-locale-compare", "1.1.0"), ("left-pad", "1.3.0"), ("ms", "2.1.3")],
            findings.Select(f => (f.Location.Package!, f.Location.Version!)).Order());
        Assert.All(findings, f =>
        {
            Assert.Equal((FindingCategories.SbomComponent, Severity.Info, "cdxgen"), (f.Category, f.Severity, f.Scanner));
            Assert.Equal("package-lock.json", f.Location.File);
        });
        Assert.True(done.GatePassed); // an inventory is not a risk
        Assert.Empty(await DockerCli.ContainersWithLabelAsync(ContainerLabels.Scan, id));

        // The SBOM itself is kept as the raw report.
        var artifacts = _cluster.SiloServices.GetRequiredService<ScanGate.Storage.IArtifactStore>();
        await using var report = await artifacts.OpenAsync(id, "cdxgen.json");
        Assert.NotNull(report);
        Assert.Contains("\"bomFormat\":\"CycloneDX\"", await new StreamReader(report.Content).ReadToEndAsync());
    }
}

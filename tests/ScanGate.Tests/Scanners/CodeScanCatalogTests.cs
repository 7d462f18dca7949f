using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Tests.Scanners;

/// <summary>The source-code scan types in the catalogue and the plans of the repository scanners.</summary>
public class CodeScanCatalogTests
{
    private static readonly ScanCatalog Catalog = ScanCatalog.CreateDefault();

    private static string[] Names(IEnumerable<IScannerAdapter> scanners) => scanners.Select(s => s.Name).ToArray();

    [Theory]
    [InlineData("sast", new[] { "bandit", "eslint", "flawfinder" }, new[] { "bandit", "eslint", "flawfinder", "semgrep" })]
    [InlineData("secret_scan", new[] { "gitleaks" }, new[] { "gitleaks", "secretlint" })]
    [InlineData("iac_scan", new[] { "checkov" }, new[] { "checkov" })]
    [InlineData("code_security", new[] { "bandit", "cdxgen", "checkov", "eslint", "flawfinder", "gitleaks", "osv-scanner" }, new[] { "bandit", "cdxgen", "checkov", "eslint", "flawfinder", "gitleaks", "osv-scanner", "secretlint", "semgrep", "yara" })]
    [InlineData("malware_scan", new[] { "yara" }, new[] { "yara" })]
    public void Source_code_scan_types_take_a_git_repository_and_name_their_default_and_optional_scanners(string type, string[] defaults, string[] all)
    {
        var definition = Catalog.FindType(type)!;
        Assert.Equal(TargetKind.GitRepository, definition.TargetKind);
        Assert.Equal("standard", definition.DefaultProfile);
        Assert.NotEmpty(definition.Description);
        Assert.Equal(defaults, Names(Catalog.DefaultScannersFor(type)));
        Assert.Equal(all, Names(Catalog.ScannersFor(type)));
    }

    [Fact]
    public void Code_security_runs_by_default_what_sast_dependency_scan_secret_scan_iac_scan_and_sbom_run_by_default()
    {
        var parts = new[] { "sast", "dependency_scan", "secret_scan", "iac_scan", "sbom" }.SelectMany(t => Names(Catalog.DefaultScannersFor(t))).Order();
        Assert.Equal(parts, Names(Catalog.DefaultScannersFor("code_security")));
    }

    [Theory]
    [InlineData("bandit", "/out/report.json")]
    [InlineData("eslint", "/out/report.sarif")]
    [InlineData("secretlint", "/out/report.sarif")]
    [InlineData("semgrep", "/out/report.json")]
    [InlineData("checkov", "/out/report.json")]
    [InlineData("gitleaks", "/out/report.json")]
    [InlineData("flawfinder", "/out/report.sarif")]
    [InlineData("yara", "/out/report.txt")]
    public void Repository_scanners_hand_url_and_branch_to_their_entry_point_as_separate_arguments(string scanner, string report)
    {
        var adapter = (IContainerScanner)Catalog.GetScanner(scanner);
        var spec = new RunSpec { ScanId = "scn_X", Scanner = scanner, Target = "https://git.example.test/a.git", Profile = "standard", Branch = "release/1.0" };
        var plan = adapter.Plan(spec);
        Assert.Equal(["https://git.example.test/a.git", "release/1.0"], plan.Arguments);
        Assert.Equal(["https://git.example.test/a.git"], adapter.Plan(spec with { Branch = null }).Arguments);
        Assert.Equal(report, plan.ReportPath);
        Assert.Equal(["/work"], plan.WorkPaths);
        Assert.True(plan.ReadOnlyRoot);
        Assert.Equal($"scangate/{scanner}:latest", adapter.DefaultImage);

        var progress = adapter.NewProgressParser(spec);
        Assert.Equal(new ProgressUpdate("cloning", 10), progress.Parse("phase: cloning"));
        Assert.Equal(new ProgressUpdate("scanning", 50), progress.Parse("phase: scanning\n"));
        Assert.Null(progress.Parse("[main] INFO profile include tests: None"));
    }

    [Theory]
    [InlineData("semgrep", true)]
    [InlineData("checkov", true)]
    [InlineData("bandit", false)]
    [InlineData("eslint", false)]
    [InlineData("secretlint", false)]
    [InlineData("flawfinder", false)]
    [InlineData("yara", false)]
    public void Only_the_images_that_need_pypi_are_marked_as_needing_the_internet(string scanner, bool needsInternet)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        var dockerfile = File.ReadAllLines(Path.Combine(dir!.FullName, "deploy", "scanners", scanner, "Dockerfile"));
        Assert.Equal(needsInternet, dockerfile.Contains("# scangate: needs-internet"));
        Assert.Contains("USER 10001", dockerfile);
        Assert.Contains(dockerfile, l => l.StartsWith("ENTRYPOINT [\"/usr/local/bin/scan-repository\"]", StringComparison.Ordinal));
    }
}

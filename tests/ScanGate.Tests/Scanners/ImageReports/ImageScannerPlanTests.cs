using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Tests.Scanners.ImageReports;

/// <summary>The image and SBOM scanners' place in the catalogue, their arguments and their progress parsers.</summary>
public class ImageScannerPlanTests
{
    private const string Image = "localhost:5000/team/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static RunSpec Spec(string scanner, string profile = "standard", string target = Image) =>
        new() { ScanId = "scn_TEST", Scanner = scanner, Target = target, Profile = profile };

    [Fact]
    public void Container_image_runs_trivy_grype_syft_and_dockle_by_default_and_osv_and_dive_on_request()
    {
        var catalog = ScanCatalog.CreateDefault();
        var type = catalog.FindType("container_image")!;
        Assert.Equal(TargetKind.ContainerImage, type.TargetKind);
        Assert.Equal("standard", type.DefaultProfile);
        Assert.Equal(["all_layers", "fixable", "standard"], type.Profiles.Select(p => p.Name).Order());
        Assert.Equal(["dockle", "grype", "syft", "trivy"], catalog.DefaultScannersFor("container_image").Select(s => s.Name));
        Assert.Equal(["dive", "dockle", "grype", "osv", "syft", "trivy"], catalog.ScannersFor("container_image").Select(s => s.Name));

        var sbom = catalog.FindType("sbom")!;
        Assert.Equal(TargetKind.GitRepository, sbom.TargetKind);
        Assert.Equal(["cdxgen"], catalog.DefaultScannersFor("sbom").Select(s => s.Name));
        foreach (var s in catalog.ScannersFor("container_image").Concat(catalog.ScannersFor("sbom")).Cast<IContainerScanner>())
            Assert.Equal($"scangate/{s.Name}:latest", s.DefaultImage);
    }

    [Theory]
    [InlineData("trivy", Image)]
    [InlineData("grype", "registry:" + Image)]
    [InlineData("syft", "registry:" + Image)]
    [InlineData("dockle", Image)]
    public void The_image_reference_is_one_argument_after_the_end_of_options(string scanner, string last)
    {
        var plan = ((IContainerScanner)ScanCatalog.CreateDefault().GetScanner(scanner)).Plan(Spec(scanner));
        Assert.Equal(last, plan.Arguments[^1]);
        Assert.Equal("--", plan.Arguments[^2]);
        Assert.Single(plan.Arguments, a => a.Contains(Image, StringComparison.Ordinal));
        Assert.Contains("/work", plan.WorkPaths);
        Assert.Equal("/out/report.json", plan.ReportPath);
    }

    [Fact]
    public void Entry_point_images_take_the_reference_as_their_first_argument()
    {
        var osv = new OsvScannerAdapter().Plan(Spec("osv"));
        Assert.Equal([Image], osv.Arguments);
        Assert.Equal([0L, 1, 128], osv.SuccessExitCodes);
        var dive = new DiveAdapter().Plan(Spec("dive"));
        Assert.Equal(Image, dive.Arguments[0]);
        Assert.Equal("/out/report.txt", dive.ReportPath);
        Assert.Equal([0L, 1], dive.SuccessExitCodes);
    }

    [Fact]
    public void Profiles_change_what_the_tools_look_at()
    {
        Assert.Contains("--ignore-unfixed", new TrivyAdapter().Plan(Spec("trivy", "fixable")).Arguments);
        Assert.DoesNotContain("--ignore-unfixed", new TrivyAdapter().Plan(Spec("trivy")).Arguments);
        Assert.Contains("--only-fixed", new GrypeAdapter().Plan(Spec("grype", "fixable")).Arguments);
        var grype = new GrypeAdapter().Plan(Spec("grype", "all_layers")).Arguments.ToList();
        Assert.Equal("all-layers", grype[grype.IndexOf("--scope") + 1]);
        var syft = new SyftAdapter().Plan(Spec("syft", "all_layers")).Arguments.ToList();
        Assert.Equal("all-layers", syft[syft.IndexOf("--scope") + 1]);
        Assert.DoesNotContain("--scope", new SyftAdapter().Plan(Spec("syft")).Arguments);
    }

    [Fact]
    public void Cdxgen_clones_the_url_given_as_one_argument_and_the_branch_as_another()
    {
        const string url = "git://127.0.0.1:9418/app";
        Assert.Equal([url], new CdxgenAdapter().Plan(Spec("cdxgen", target: url)).Arguments);
        Assert.Equal([url, "release/2.x"], new CdxgenAdapter().Plan(Spec("cdxgen", target: url) with { Branch = "release/2.x" }).Arguments);
    }

    [Fact]
    public void Progress_follows_the_tools_log_lines_and_never_goes_back()
    {
        var trivy = new TrivyAdapter().NewProgressParser(Spec("trivy"));
        Assert.Null(trivy.Parse("2024-12-18T09:14:01Z\tINFO\tLoaded\tfile_path=\"trivy.yaml\""));
        Assert.Equal(10, trivy.Parse("2024-12-18T09:14:01Z\tINFO\t[vulndb] Downloading vulnerability DB...")!.Value.Percent);
        Assert.Equal(new ProgressUpdate("detecting the OS", 50), trivy.Parse("2024-12-18T09:14:20Z\tINFO\tDetected OS\tfamily=\"debian\" version=\"12.8\""));
        Assert.Equal(60, trivy.Parse("2024-12-18T09:14:20Z\tINFO\t[debian] Detecting vulnerabilities...\tos_version=\"12\" pkg_num=97")!.Value.Percent);
        Assert.Equal(60, trivy.Parse("2024-12-18T09:14:21Z\tINFO\t[vulndb] Need to update DB")!.Value.Percent);

        var cdxgen = new CdxgenAdapter().NewProgressParser(Spec("cdxgen"));
        Assert.Equal(new ProgressUpdate("cloning", 10), cdxgen.Parse("phase: cloning"));
        Assert.Equal(new ProgressUpdate("reading manifests and lock files", 40), cdxgen.Parse("phase: generating"));
        Assert.Null(cdxgen.Parse("Some unrelated output"));
    }
}

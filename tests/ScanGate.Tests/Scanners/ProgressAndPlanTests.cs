using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;

namespace ScanGate.Tests.Scanners;

public class ProgressAndPlanTests
{
    internal static RunSpec Spec(string scanner, string target, string profile, string? branch = null) =>
        new() { ScanId = "scn_X", Scanner = scanner, Target = target, Profile = profile, Branch = branch };

    [Fact]
    public void Nmap_progress_reads_percent_lines()
    {
        var p = new NmapAdapter().NewProgressParser(Spec("nmap", "127.0.0.1", "service_detection"));
        Assert.Null(p.Parse("Nmap scan report for localhost (127.0.0.1)"));
        Assert.Equal(new ProgressUpdate("Service scan", 66), p.Parse("Service scan Timing: About 66.67% done; ETC: 05:01 (0:00:10 remaining)"));
        Assert.Equal("Connect Scan", p.Parse("Initiating Connect Scan at 05:07")!.Value.Step);
    }

    [Fact]
    public void Testssl_progress_advances_by_section_and_never_goes_back()
    {
        var p = new TestsslAdapter().NewProgressParser(Spec("testssl", "127.0.0.1:443", "standard"));
        Assert.Equal(0, p.Parse(" Testing protocols via sockets except NPN+ALPN ")!.Value.Percent);
        Assert.Equal(50, p.Parse(" Testing server defaults (Server Hello) ")!.Value.Percent);
        Assert.Equal(50, p.Parse(" Testing protocols via sockets ")!.Value.Percent);
        Assert.Null(p.Parse(" SSLv2      not offered (OK)"));
    }

    [Fact]
    public void Nmap_plan_passes_the_target_as_one_argument_after_the_options()
    {
        var plan = new NmapAdapter().Plan(Spec("nmap", "127.0.0.1:22,80", "port_scan"));
        Assert.Equal(["-p", "22,80"], plan.Arguments.SkipWhile(a => a != "-p").Take(2));
        Assert.Equal(["--", "127.0.0.1"], plan.Arguments.TakeLast(2));
        Assert.Equal("/out/report.xml", plan.ReportPath);
        Assert.Contains("-sn", new NmapAdapter().Plan(Spec("nmap", "10.0.0.0/24", "ping_sweep")).Arguments);
    }

    [Fact]
    public void Gitleaks_plan_hands_url_and_branch_to_the_entry_point_as_separate_arguments()
    {
        var plan = new GitleaksAdapter().Plan(Spec("gitleaks", "https://git.example.test/a.git", "standard", "release/1.0"));
        Assert.Equal(["https://git.example.test/a.git", "release/1.0"], plan.Arguments);
        Assert.Contains("/work", plan.WorkPaths);
        Assert.True(plan.ReadOnlyRoot);
    }
}

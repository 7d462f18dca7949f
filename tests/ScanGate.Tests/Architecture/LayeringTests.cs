using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Architecture;

/// <summary>The layering DESIGN.md draws, checked in the project files: grains use the runtime abstraction,
/// never the Docker client; the host composes the Docker implementation.</summary>
[Trait("Category", "Unit")]
public sealed class LayeringTests
{
    private readonly ProjectGraph _graph = ProjectGraph.Load();

    [Fact]
    public void Grains_do_not_reach_the_docker_client_through_any_reference()
    {
        var reached = _graph.PackagesReachedFrom("ScanGate.Grains");

        Assert.Contains(reached, r => r.Package.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)); // the walk sees packages at all
        Assert.DoesNotContain(reached, r => r.Package.StartsWith("Docker.DotNet", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("ScanGate.Runtime.Docker", _graph.ProjectsReachedFrom("ScanGate.Grains"));
        Assert.Contains("ScanGate.Runtime", _graph.ProjectsReachedFrom("ScanGate.Grains"));
    }

    [Theory]
    [InlineData("ScanGate.Api")]
    [InlineData("ScanGate.Application")]
    public void Surfaces_and_the_application_layer_never_reach_the_container_engine(string project)
    {
        Assert.DoesNotContain(_graph.PackagesReachedFrom(project), r => r.Package.StartsWith("Docker.DotNet", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(_graph.ProjectsReachedFrom(project), p => p.StartsWith("ScanGate.Runtime", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_abstraction_references_no_engine_client_and_nothing_of_ours()
    {
        Assert.Empty(_graph.PackagesReachedFrom("ScanGate.Runtime"));
        Assert.Equal(["ScanGate.Runtime"], _graph.ProjectsReachedFrom("ScanGate.Runtime"));
    }

    [Fact]
    public void The_host_composes_the_docker_runtime_and_the_walk_finds_docker_where_it_is()
    {
        // The negative control: the same walk does find Docker.DotNet from the host.
        Assert.Contains(_graph.PackagesReachedFrom("ScanGate.Silo"), r => r.Package.StartsWith("Docker.DotNet", StringComparison.Ordinal) && r.Via == "ScanGate.Runtime.Docker");
        Assert.DoesNotContain(_graph.ProjectsReachedFrom("ScanGate.Runtime.Docker"), p => p.StartsWith("ScanGate.Grains", StringComparison.Ordinal));
    }
}

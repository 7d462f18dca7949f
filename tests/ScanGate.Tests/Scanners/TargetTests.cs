using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Tests.Scanners;

public class TargetTests
{
    [Theory]
    [InlineData(TargetKind.Host, "127.0.0.1", "127.0.0.1")]
    [InlineData(TargetKind.Host, "Example.ORG", "example.org")]
    [InlineData(TargetKind.Host, "127.0.0.1:22,80,8000-8100", "127.0.0.1:22,80,8000-8100")]
    [InlineData(TargetKind.Host, "10.1.0.0/24", "10.1.0.0/24")]
    [InlineData(TargetKind.Host, "[::1]:443", "[::1]:443")]
    [InlineData(TargetKind.TlsEndpoint, "127.0.0.1:8443", "127.0.0.1:8443")]
    [InlineData(TargetKind.TlsEndpoint, "example.org", "example.org:443")]
    [InlineData(TargetKind.TlsEndpoint, "https://example.org:8443/path", "example.org:8443")]
    [InlineData(TargetKind.Url, "http://127.0.0.1:8080/app", "http://127.0.0.1:8080/app")]
    [InlineData(TargetKind.GitRepository, "git://127.0.0.1:9418/app", "git://127.0.0.1:9418/app")]
    [InlineData(TargetKind.GitRepository, "https://git.example.org/team/app.git", "https://git.example.org/team/app.git")]
    public void Valid_targets_are_normalised(TargetKind kind, string raw, string expected)
    {
        Assert.True(Targets.TryNormalize(kind, raw, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData(TargetKind.Host, "-sV", "must not start with '-'")]
    [InlineData(TargetKind.Host, "127.0.0.1; rm -rf /", "spaces")]
    [InlineData(TargetKind.Host, "10.0.0.0/8", "prefix length")]
    [InlineData(TargetKind.Host, "127.0.0.1:99999", "between 1 and 65535")]
    [InlineData(TargetKind.Host, "host$(id)", "host name")]
    [InlineData(TargetKind.TlsEndpoint, "http://example.org", "https")]
    [InlineData(TargetKind.Url, "file:///etc/passwd", "http")]
    [InlineData(TargetKind.Url, "https://user:pw@example.org/", "credentials")]
    [InlineData(TargetKind.GitRepository, "/srv/git/app", "local paths")]
    [InlineData(TargetKind.GitRepository, "file:///srv/git/app", "local paths")]
    [InlineData(TargetKind.GitRepository, "ext::sh -c touch% /tmp/pwned", "spaces")]
    [InlineData(TargetKind.GitRepository, "ssh://git@example.org/app.git", "https://")]
    [InlineData(TargetKind.GitRepository, "https://token@example.org/app.git", "credentials")]
    [InlineData(TargetKind.GitRepository, "", "required")]
    public void Invalid_targets_are_refused_with_a_reason(TargetKind kind, string raw, string reasonPart)
    {
        Assert.False(Targets.TryNormalize(kind, raw, out _, out var error));
        Assert.Contains(reasonPart, error);
    }
}

public sealed class ImageTargetTests
{
    [Theory]
    [InlineData("alpine")]
    [InlineData("alpine:3.19")]
    [InlineData("library/nginx:1.27-alpine")]
    [InlineData("registry.example.com/team/app:v1.2.3")]
    [InlineData("localhost:5000/app")]
    [InlineData("ghcr.io/org/tool@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Accepts_image_references(string image)
    {
        Assert.True(ScanGate.Scanners.Targets.TryNormalize(ScanGate.Contracts.TargetKind.ContainerImage, image, out var normalized, out var error), error);
        Assert.Equal(image, normalized);
    }

    [Theory]
    [InlineData("--config=/etc/passwd")]
    [InlineData("Alpine")]
    [InlineData("docker://alpine")]
    [InlineData("alpine:3.19;rm")]
    [InlineData("../etc/passwd")]
    [InlineData("app@sha256:short")]
    public void Refuses_what_is_not_an_image_reference(string image) =>
        Assert.False(ScanGate.Scanners.Targets.TryNormalize(ScanGate.Contracts.TargetKind.ContainerImage, image, out _, out _));
}

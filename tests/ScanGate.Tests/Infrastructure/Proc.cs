using System.Diagnostics;

namespace ScanGate.Tests.Infrastructure;

/// <summary>Runs tools the tests need (docker, git, openssl) with arguments passed one by one, never through a shell.</summary>
public static class Proc
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    public static async Task<string> RunCheckedAsync(string file, params string[] args)
    {
        var (code, output, error) = await RunAsync(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    /// <summary>A background process that is killed, with its children, when disposed.</summary>
    public static Process Start(string file, string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }
}

public static class DockerCli
{
    /// <summary>What `docker inspect` says, independent of ScanGate's own runtime code.</summary>
    public static async Task<string> InspectAsync(string containerId, string format) =>
        (await Proc.RunCheckedAsync("docker", "inspect", "--format", format, containerId)).Trim();

    public static async Task<IReadOnlyList<string>> ContainersWithLabelAsync(string label, string value) =>
        (await Proc.RunCheckedAsync("docker", "ps", "-aq", "--no-trunc", "--filter", $"label={label}={value}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether the engine holds <paramref name="image"/>, as `docker image inspect` says.</summary>
    public static async Task<bool> HasImageAsync(string image) => (await Proc.RunAsync("docker", "image", "inspect", image)).Code == 0;
}

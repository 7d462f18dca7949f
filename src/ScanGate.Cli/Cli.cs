using System.CommandLine;
using System.CommandLine.Help;
using ScanGate.Cli.Api;
using ScanGate.Cli.Commands;

namespace ScanGate.Cli;

/// <summary>The <c>scangate</c> command tree. <see cref="RunAsync"/> is the whole tool: the process's Main calls it
/// with the real console, tests with their own <see cref="CliContext"/>.</summary>
public sealed class Cli
{
    public CliContext Context { get; }
    public Option<string?> Url { get; } = new("--url") { Description = "ScanGate's base URL (else SCANGATE_URL, else the login profile)", Recursive = true };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "API key (else SCANGATE_API_KEY, else the login profile); prefer the variable, flags show in process lists", Recursive = true };
    public Option<bool> Json { get; } = new("--json") { Description = "Write machine-readable JSON to stdout instead of tables", Recursive = true };
    public Option<int> Retries { get; } = new("--retries")
    {
        Description = "How often a refused connection, 429 or 503 is retried (Retry-After honoured)", Recursive = true, DefaultValueFactory = _ => 4,
    };

    private Cli(CliContext context) => Context = context;

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var cli = new Cli(context);
        var root = cli.Build();
        var parsed = root.Parse(args);
        // --help answers even when the rest of the line is incomplete (scangate scan --help).
        if (parsed.Errors.Count > 0 && parsed.Action is not ExitCodesHelp)
        {
            foreach (var error in parsed.Errors) await context.Error.WriteLineAsync($"scangate: {error.Message}");
            await context.Error.WriteLineAsync("Run 'scangate --help' (or 'scangate <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            // Ctrl-C is the scan command's to interpret (cancel the scan or leave it running), so the parser's own
            // termination handling stays off.
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = context.Out, Error = context.Error, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false,
            });
        }
        catch (CliException ex)
        {
            await context.Error.WriteLineAsync($"scangate: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpIOException)
        {
            await context.Error.WriteLineAsync($"scangate: the connection to ScanGate broke: {ex.Message}");
            return ExitCodes.Unreachable;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A report or upload file that cannot be read or written.
            await context.Error.WriteLineAsync($"scangate: {ex.Message}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>A client for the server and key the flags, the environment or the profile name.</summary>
    public ScanGateClient Client(ParseResult parse)
    {
        var (url, key) = CliConfig.Resolve(Context, parse.GetValue(Url), parse.GetValue(ApiKey));
        return new ScanGateClient(url, key, Math.Max(0, parse.GetValue(Retries)),
            Context.Environment("SCANGATE_RETRY_DELAY_MS") is { } ms && int.TryParse(ms, out var d) ? TimeSpan.FromMilliseconds(d) : null);
    }

    private RootCommand Build()
    {
        var root = new RootCommand("scangate: trigger ScanGate security scans, follow them live and gate CI builds on the verdict.")
        {
            Url, ApiKey, Json, Retries,
        };
        ScanCommand.Add(root, this);
        ScanCommands.Add(root, this);
        ReportCommands.Add(root, this);
        AdminCommands.Add(root, this);
        // The exit codes belong in every command's help: CI authors read them there.
        foreach (var option in root.Options)
            if (option is HelpOption { Action: HelpAction help }) option.Action = new ExitCodesHelp(help);
        return root;
    }

    private sealed class ExitCodesHelp(HelpAction inner) : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = inner.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(ExitCodes.Help);
            return code;
        }
    }
}

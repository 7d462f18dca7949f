return await ScanGate.Cli.Cli.RunAsync(args, ScanGate.Cli.CliContext.FromProcess());

using Digest.Cli;

return await DigestCommandLine.InvokeAsync(args);

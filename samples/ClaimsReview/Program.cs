using ClaimsReview;
using Spectre.Console;

// The one-command demo. Evidence goes to ./evidence (or the folder given as the first argument); a key is made on first run.
var folder = Path.GetFullPath(args.Length > 0 ? args[0] : "evidence");
var policy = Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml");
var console = AnsiConsole.Console;
if (Console.IsOutputRedirected) console.Profile.Width = 120; // a log file, not an 80-column terminal: do not wrap the story
var result = await new ClaimsDemo(console, folder, policy).RunAsync();

// The closing check CI relies on: evidence that does not verify fails the run.
return result.Verdict.IsValid ? 0 : 1;

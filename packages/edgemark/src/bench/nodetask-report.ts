// The node-task benchmark's Markdown: its own section of docs/benchmarks.md
// (one per job kind), replaced in place on a re-run.
import type { MachineFacts } from './report.ts';
import type {
  BaselineTaskResult,
  KedgeTaskResult,
  TaskBenchSettings,
  TaskResult,
} from './nodetask-scenario.ts';

export function nodeTaskHeading(kind: string): string {
  return `## Node task: ${kind} over N hollow nodes`;
}

export interface NodeTaskReport {
  command: string;
  machine: MachineFacts;
  settings: Omit<TaskBenchSettings, 'nodes' | 'ticksPerSecond' | 'cpuProfDir'>;
  flowLength: number;
  results: TaskResult[];
}

const s1 = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
const rss = (before: number, peak: number): string => `${mib(before)} → ${mib(peak)}`;
const cpu = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function kedgeRow(r: KedgeTaskResult): string {
  const w = r.writes;
  return [
    r.nodes,
    'kedge',
    s1(r.times.init),
    s1(r.times.allClaimed),
    s1(r.times.allReported),
    s1(r.times.completed),
    `${w.job} (${w.byCloudcore} + ${w.byControllerManager})`,
    (w.job / r.nodes).toFixed(3),
    w.overall,
    `${(w.jobBytes / 2 ** 20).toFixed(0)} MiB`,
    rss(r.cloudcore.rssBeforeKb, r.cloudcore.rssPeakKb),
    rss(r.controllermanager.rssBeforeKb, r.controllermanager.rssPeakKb),
    `${cpu(r.cloudcore.cpuMs)} / ${cpu(r.controllermanager.cpuMs)}`,
  ].join(' | ');
}

function baselineRow(r: BaselineTaskResult): string {
  return [
    r.nodes,
    'baseline',
    '—',
    '—',
    s1(r.allAnsweredMs),
    '—',
    '0',
    '0',
    '0',
    '—',
    rss(r.server.rssBeforeKb, r.server.rssPeakKb),
    '—',
    `${cpu(r.server.cpuMs)} / —`,
  ].join(' | ');
}

export function nodeTaskTable(results: TaskResult[]): string {
  return [
    '| N | system | create → Init | → all claimed | → all reports stored | → Completed | job writes (cloudcore + controllermanager) | job writes per node | all store writes | job bytes written | server RSS before → peak | controllermanager RSS before → peak | CPU server / controllermanager |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.system === 'kedge' ? kedgeRow(r) : baselineRow(r)} |`),
  ].join('\n');
}

export function renderNodeTaskSection(report: NodeTaskReport): string {
  const { machine: m, settings: s } = report;
  const kind = s.kind;
  const fleet = report.results
    .map(
      (r) =>
        `${r.system} ${r.nodes}: ${r.fleet.tasksReceived} tasks, ${r.fleet.reportsAcked} of ${r.fleet.reportsSent} reports acked, ` +
        `${r.fleet.reportsRejected} rejected, ${r.fleet.reconnects} reconnects` +
        (r.fleet.cpuMs !== undefined ? `, fleet CPU ${cpu(r.fleet.cpuMs)}` : ''),
    )
    .join('; ');
  const verified = report.results
    .filter((r): r is KedgeTaskResult => r.system === 'kedge')
    .map((r) => `${r.nodes}: ${r.verified}/${r.nodes}`)
    .join(', ');
  return `${nodeTaskHeading(kind)}

What one ${kind} over every node costs the cloud when the edge costs
nothing: hollow nodes (\`@kedge/edgemark\`, \`--tasks ${kind}\`) report the
whole successful flow (${report.flowLength} actions) the moment the task arrives.
The job names all N nodes with \`concurrency\` N, so the cloud may start every
node at once. Next to it, in the same run, the floor: the same messages (one
task message down, ${report.flowLength} reports up and an answer to each, per node) through a
bare \`ws\` server that stores nothing.

Reproduce (from the repository root, after \`source scripts/lib.sh && ensure_node\`):

\`\`\`sh
${report.command}
\`\`\`

Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel},
Node ${m.nodeVersion}, open files limit ${m.openFiles}, load average at start ${m.loadAverage}.
Run on ${m.date}.

Setup: cloudcore and controllermanager as two processes on one embedded
SQLite store (durability \`full\`, a fresh temp dir), default log level (info);
cloudcore \`nodeLimit\` = N, \`keepaliveTimeout\` ${s.keepaliveTimeoutS} s,
\`nodeStatusUpdateFrequency\` ${s.nodeStatusUpdateFrequencyS} s; controllermanager
\`gracePeriod\` ${s.gracePeriodS} s, \`monitorPeriod\` ${s.monitorPeriodS} s, \`timeoutCheckPeriod\` ${s.timeoutCheckPeriodS} s.
Hollow nodes: heartbeat ${s.heartbeatS} s, at most ${s.ramp} handshakes in flight. Once
every node is a Ready Node and ${s1(s.settleMs)} more have passed, the benchmark
creates the job through the store (\`timeoutSeconds\` ${s.jobTimeoutS}) and reads the
store's change log every ${s.pollMs} ms until the job is \`Completed\`.

${nodeTaskTable(report.results)}

- **Times** run from the \`create\` call until the change log first showed:
  the job \`Init\` (controllermanager selected the nodes), no entry
  \`Pending\` (cloudcore claimed them all), every entry \`Successful\`
  (cloudcore stored every node's last report), the job \`Completed\`
  (controllermanager). The baseline's "all reports stored" is the time until
  the bare server had answered every report.
- Every node sends its ${report.flowLength} reports back to back; cloudcore handles one
  node's messages in order and acks a report only once it is stored, and
  coalesces what arrives meanwhile into one status write per job. So the
  reports of all N nodes land in about ${report.flowLength} write rounds, one per action,
  after one write that claims all N nodes.
- **Job writes** are the job's rows in the change log after the create:
  rows that changed only node entries are cloudcore's (claims, coalesced
  report batches); rows that changed the job phase, progress or metadata are
  controllermanager's. **All store writes** counts every change in the
  store over the same time (Node heartbeats included). **Job bytes written**
  adds up those rows' bodies; each is written twice (the object and its
  change-log row).
- **RSS** is VmRSS just before the create, then the peak until \`Completed\`:
  the kernel's VmHWM, reset at the create (\`/proc/<pid>/clear_refs\`), and
  samples every 100 ms. **CPU** is utime + stime over the same time.
- Hollow fleet (client side, for the record): ${fleet}.
- Entries with all ${report.flowLength} actions True${kind === 'NodeUpgradeJob' ? ' and `currentVersion` = the target' : ''}: ${verified}.
- The machine is shared: other work running at the same time adds noise,
  mostly to the times. Compare kedge with the baseline of the same run.
`;
}

// Uses the generated types the way a front end would: tsc --noEmit checks that the operations,
// the scalar mapping and the connection and node shapes fit together.
import type {
  AddCaseNoteMutationVariables,
  CaseNotePageQuery,
  CaseNotePageQueryVariables,
  ClientPageQuery,
  ClientPageQueryVariables,
  ClientRecordExportQuery,
  ClientRecordQuery,
  CreateClientMutation,
  CreateClientMutationVariables,
  NodeByIdQuery,
} from "../generated/graphql";

/** Sends one operation to POST /graphql with a bearer token; answers its `data`. */
export type Send = <Data, Variables>(query: string, variables: Variables) => Promise<Data>;

/** Walks every page of a client search: endCursor goes back as `after`. */
export async function* walkClients(
  send: Send,
  query: string,
  name: string,
): AsyncGenerator<{ id: string; nodeId: string; firstName?: string | null }> {
  let after: string | null = null;
  for (;;) {
    const variables: ClientPageQueryVariables = { name, first: 100, after };
    const page: ClientPageQuery = await send<ClientPageQuery, ClientPageQueryVariables>(
      query,
      variables,
    );
    const clients = page.clients;
    if (!clients) return; // refused: the error says why
    for (const edge of clients.edges) yield edge.node;
    if (!clients.pageInfo.hasNextPage) return;
    after = clients.pageInfo.endCursor ?? null;
  }
}

/** Every case note of one client, through the nested connection. */
export async function allCaseNotes(send: Send, query: string, clientId: string): Promise<string[]> {
  const texts: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: CaseNotePageQuery = await send<CaseNotePageQuery, CaseNotePageQueryVariables>(
      query,
      { clientId, first: 100, after },
    );
    const notes = page.client?.caseNotesConnection;
    if (!notes) return texts;
    for (const note of notes.nodes) texts.push(note.text ?? "(deleted)");
    if (!notes.pageInfo.hasNextPage) return texts;
    after = notes.pageInfo.endCursor ?? null;
  }
}

/** Scalars: Date and DateTime are strings, Decimal a string (exact), JSON unknown. */
export function monthlyIncome(record: ClientRecordQuery): string[] {
  const born: string | null | undefined = record.client?.dob;
  const since: Date | null = record.client ? new Date(record.client.createdAt) : null;
  const lines = [`born ${born ?? "unknown"}, recorded ${since?.toISOString() ?? "-"}`];
  for (const enrollment of record.client?.enrollmentsConnection.nodes ?? []) {
    const entered: string = enrollment.entryDate;
    for (const income of enrollment.incomeBenefits) {
      const total: string | null | undefined = income.totalMonthlyIncome;
      lines.push(`${entered} ${income.informationDate}: ${total ?? "not recorded"}`);
    }
  }
  return lines;
}

export function exported(answer: ClientRecordExportQuery): unknown {
  return answer.clientRecordExport;
}

/** A node is narrowed by its __typename. */
export function describe(answer: NodeByIdQuery): string {
  const node = answer.node;
  if (!node) return "not found, or not yours to see";
  switch (node.__typename) {
    case "Client":
      return `client ${node.id} ${node.firstName ?? "(masked)"}`;
    case "Enrollment":
      return `enrollment ${node.id} from ${node.entryDate}`;
    case "Agency":
      return `agency ${node.name}`;
    default:
      return `${node.__typename} ${node.nodeId}`;
  }
}

export function newClient(firstName: string, takenOn: string): CreateClientMutationVariables {
  return {
    input: {
      firstName,
      nameDataQuality: "FULL_NAME_REPORTED",
      ssnDataQuality: "DATA_NOT_COLLECTED",
      dobDataQuality: "DATA_NOT_COLLECTED",
      consent: { kind: "WRITTEN", takenOn },
    },
  };
}

export function created(answer: CreateClientMutation): string | null {
  return answer.createClient?.nodeId ?? null;
}

export function note(clientId: string, text: string): AddCaseNoteMutationVariables {
  return { input: { clientId, text } };
}

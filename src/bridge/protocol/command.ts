/**
 * The command byte of a bridge frame. The numbers are the wire format: never renumber or reuse one;
 * add new commands at the end. 0 is left unassigned so a zeroed header is never a valid command.
 */
export const Command = {
  HELLO: 1,
  CHALLENGE: 2,
  AUTH: 3,
  READY: 4,
  ERROR: 5,
  PING: 6,
  PONG: 7,
  STATUS: 8,
  EVENT: 9,
  ACK: 10,
  FRAME: 11,
  GALLERY_SNAPSHOT: 12,
  GALLERY_UPSERT: 13,
  GALLERY_REMOVE: 14,
  SETTINGS: 15,
  EMBED_REQUEST: 16,
  EMBED_REPLY: 17,
} as const;

export type Command = (typeof Command)[keyof typeof Command];

export type CommandName = keyof typeof Command;

const names = new Map<number, CommandName>(
  (Object.entries(Command) as [CommandName, Command][]).map(([name, value]) => [value, name]),
);

export function isCommand(value: number): value is Command {
  return names.has(value);
}

/** `HELLO` for `Command.HELLO`; `command 200` for a number that is no command, for messages. */
export function commandName(command: number): string {
  return names.get(command) ?? `command ${command}`;
}

/**
 * Who is asking: passport's local strategy for sign-in and sessions, API tokens for scripts, and
 * the role checks. The rules are `SignInService`'s (a port here): users are read again on every
 * request, so a disabled user or a changed role takes effect at once, not at the next sign-in.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { User, UserRole } from '../store/index.js';
import type { SessionUser, SignInPort } from './types.js';

export function sessionUser(user: User): SessionUser {
  return { id: user.id, name: user.name, role: user.role };
}

/** Passport hands errors over as `unknown`; promises should reject with an Error. */
function toError(error: unknown): Error {
  return error instanceof Error
    ? error
    : new Error(typeof error === 'string' ? error : 'authentication failed');
}

function unauthenticated(message: string): RollcallError {
  return new RollcallError(ErrorCode.Unauthenticated, message);
}

/** A passport instance of its own, so two web apps in one process (tests) do not share strategies. */
export function createPassport(signIn: SignInPort): passport.Authenticator {
  const authenticator = new passport.Authenticator();
  authenticator.use(
    new LocalStrategy({ usernameField: 'name', passwordField: 'password' }, (name, password, done) => {
      signIn.checkCredentials(name, password).then(
        (user) => {
          done(null, user ? sessionUser(user) : false);
        },
        (error: unknown) => {
          done(error);
        },
      );
    }),
  );
  authenticator.serializeUser((user, done) => {
    done(null, user.id);
  });
  authenticator.deserializeUser((id: unknown, done) => {
    if (typeof id !== 'string') {
      done(null, false);
      return;
    }
    signIn.activeUser(id).then(
      (user) => {
        // false ends the session: the user was deleted or disabled since signing in.
        done(null, user ? sessionUser(user) : false);
      },
      (error: unknown) => {
        done(error);
      },
    );
  });
  return authenticator;
}

/** Runs the local strategy on the request's `name` and `password`; resolves the user or false. */
export function authenticateLocal(
  authenticator: passport.Authenticator,
  req: Request,
  res: Response,
): Promise<SessionUser | false> {
  return new Promise((resolve, reject) => {
    const handler = authenticator.authenticate(
      'local',
      { session: false },
      (error: unknown, user: SessionUser | false | undefined) => {
        if (error) reject(toError(error));
        else resolve(user ?? false);
      },
    ) as RequestHandler;
    handler(req, res, (error?: unknown) => {
      reject(toError(error));
    });
  });
}

/** Starts the session for `user`; passport regenerates the session id against fixation. */
export function logIn(req: Request, user: SessionUser): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logIn(user, (error: unknown) => {
      if (error) reject(toError(error));
      else resolve();
    });
  });
}

export function logOut(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logOut((error: unknown) => {
      if (error) reject(toError(error));
      else resolve();
    });
  });
}

/**
 * `Authorization: Bearer TOKEN` makes the request the token's user. A bad token is refused outright
 * rather than falling back to the session: a script should learn its token is wrong.
 */
export function bearerAuth(signIn: SignInPort): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (header === undefined) {
      next();
      return;
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    const token = match?.[1];
    if (token === undefined) throw unauthenticated('the Authorization header must be "Bearer TOKEN"');
    req.user = sessionUser(await signIn.tokenUser(token));
    req.authMethod = 'token';
    next();
  };
}

function wantsHtml(req: Request): boolean {
  return req.method === 'GET' && req.accepts(['json', 'html']) === 'html';
}

/**
 * Lets signed-in requests through. Others get 401, or, for a browser asking for a page
 * (`redirect`), a redirect to the sign-in page.
 */
export function requireUser(options: { redirect?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    if (req.user) {
      req.authMethod ??= 'session';
      next();
      return;
    }
    if (options.redirect && wantsHtml(req)) {
      res.redirect(303, '/login');
      return;
    }
    throw unauthenticated('sign in, or send an API token as "Authorization: Bearer TOKEN"');
  };
}

/** Admins may do everything; viewers only what names `viewer` here. */
export function requireRole(role: UserRole): RequestHandler {
  return (req, _res, next) => {
    const user = req.user;
    if (!user) throw unauthenticated('sign in first');
    if (role === 'admin' && user.role !== 'admin') {
      throw new RollcallError(ErrorCode.Forbidden, 'this needs the admin role; ask an administrator');
    }
    next();
  };
}

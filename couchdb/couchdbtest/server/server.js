#!/usr/bin/env node
// A CouchDB-compatible server for tests: express-pouchdb over PouchDB, with the
// differences from Apache CouchDB that a kivik client or our tests can hit fixed here
// (see README.md in this folder for the list and what still differs).
//
// Usage: node server.js [--port N] [--data DIR] [--watch-stdin]
//   --port N       TCP port on 127.0.0.1 (0, the default, picks a free port)
//   --data DIR     keep databases in DIR (leveldb); default: in memory
//   --watch-stdin  exit when standard input closes (the Go test harness uses this so
//                  that the server never outlives the test binary)
// When ready it prints exactly one line: "listening on http://127.0.0.1:PORT".
'use strict';

const path = require('path');
const fs = require('fs');
const Module = require('module');
const crypto = require('crypto');

// 1. Keep "/" in database names: express-pouchdb cleans names with a filename
// sanitiser, which turns KAZOO's "account/xx/yy/rest" into "accountxxyyrest".
// Replace that module before express-pouchdb loads it. Names are validated against
// CouchDB's rule before they get here (see validDBName), so they are safe as paths.
installModule('express-pouchdb/lib/clean-filename', (name) => name);

// 2. Keep the revpos of an inline attachment written with new_edits=false, as
// CouchDB does for replicated revisions (only interactive edits set revpos to the
// new generation): PouchDB's leveldb core, under the memory and leveldb adapters
// alike, always sets it to the revision's generation. Patched into the module's
// source before anything loads it.
patchModule('pouchdb-adapter-leveldb-core', 'att.revpos = parseInt(rev, 10);',
  'att.revpos = (newEdits === false && att.revpos >= 1 && att.revpos <= parseInt(rev, 10)) ? att.revpos : parseInt(rev, 10);');

// 3. Run JavaScript (map/reduce, validate_doc_update, show, list) in sloppy mode as
// CouchDB's couchjs does: PouchDB wraps it in "use strict", which turns an implicit
// global such as KAZOO's `for (directory_id in doc.directories)` into a ReferenceError
// and silently empties the view.
sloppyVM();

const express = require('express');
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-leveldb'))
  .plugin(require('pouchdb-mapreduce'))
  .plugin(require('pouchdb-replication'));
const expressPouchDB = require('express-pouchdb');

function installModule(request, exports) {
  const file = require.resolve(request);
  const m = new Module(file, module);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
}

// patchModule loads a module with one exact piece of its main file's source
// replaced; it fails loudly when that piece is not there exactly once (a changed
// dependency), rather than run unpatched.
function patchModule(request, from, to) {
  const file = require.resolve(request);
  const src = fs.readFileSync(file, 'utf8');
  if (src.split(from).length !== 2) {
    throw new Error(`patchModule: ${request} (${file}) does not contain ${JSON.stringify(from)} exactly once`);
  }
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(src.replace(from, to), file);
  m.loaded = true;
  require.cache[file] = m;
}

function sloppyVM() {
  const vm = require('vm');
  const strictPrefix = '(function() {"use strict";';
  const run = vm.runInNewContext;
  vm.runInNewContext = function (code, ...rest) {
    if (typeof code === 'string' && code.startsWith(strictPrefix)) {
      code = '(function() {' + code.slice(strictPrefix.length);
    }
    return run.call(this, code, ...rest);
  };
}

function parseArgs(argv) {
  const opts = { port: 0, data: '', watchStdin: false };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--port': opts.port = Number(argv[++i]); break;
      case '--data': opts.data = argv[++i]; break;
      case '--watch-stdin': opts.watchStdin = true; break;
      default:
        process.stderr.write(`unknown argument ${argv[i]}\n`);
        process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    process.stderr.write('--port must be 0..65535\n');
    process.exit(2);
  }
  return opts;
}

// CouchDB's rule for database names (plus the leading "_" of system databases).
const dbNamePattern = /^_?[a-z][a-z0-9_$()+\/-]*$/;

function validDBName(name) {
  return dbNamePattern.test(name) && !name.split('/').includes('..');
}

function sendJSON(res, status, body) {
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body) + '\n');
}

// splitPath returns the decoded database name and the remaining raw path segments.
function splitPath(req) {
  const raw = req.originalUrl.split('?')[0];
  const segs = raw.split('/').slice(1);
  let db = '';
  try { db = decodeURIComponent(segs[0] || ''); } catch (e) { db = segs[0]; }
  return { db, rest: segs.slice(1).filter((s, i, a) => s !== '' || i < a.length - 1) };
}

// isDocPath reports whether the path addresses a single document (not an attachment,
// view or other special endpoint).
function isDocPath(rest) {
  if (rest.length === 1) {
    const id = decodeURIComponent(rest[0]);
    if (/^_(design|local)\//.test(id)) return true;
    return rest[0] !== '' && !rest[0].startsWith('_');
  }
  return rest.length === 2 && (rest[0] === '_design' || rest[0] === '_local');
}

// isAttachmentPath reports whether the path addresses a document attachment.
function isAttachmentPath(rest) {
  if (rest.length >= 2 && !rest[0].startsWith('_')) return true;
  return rest.length >= 3 && (rest[0] === '_design' || rest[0] === '_local') &&
    !rest[2].startsWith('_');
}

// interceptSend calls fn(body, send) instead of res.send once, with the JSON body
// express-pouchdb was about to send parsed; fn either rewrites or passes through.
function interceptSend(res, fn) {
  const orig = res.send;
  res.send = function (body) {
    res.send = orig;
    if (!Buffer.isBuffer(body) && typeof body !== 'string') return orig.call(res, body);
    let parsed;
    try { parsed = JSON.parse(body.toString('utf8')); } catch (e) { return orig.call(res, body); }
    return fn(parsed, () => orig.call(res, body));
  };
}

// multipartMixed renders an open_revs answer the way CouchDB does for
// Accept: multipart/mixed: one application/json part per found revision and one
// part with an error parameter per missing revision.
function multipartMixed(res, rows) {
  const boundary = crypto.randomBytes(16).toString('hex');
  const parts = rows.map((row) => {
    if (row.ok) {
      return `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(row.ok)}\r\n`;
    }
    return `--${boundary}\r\nContent-Type: application/json; error="true"\r\n\r\n${JSON.stringify(row)}\r\n`;
  });
  res.status(200);
  res.setHeader('Content-Type', `multipart/mixed; boundary="${boundary}"`);
  res.end(parts.join('') + `--${boundary}--\r\n`);
}

function compat(PouchDBClass) {
  const router = express.Router();

  // CouchDB's root answer carries a "couchdb" key; clients look for it.
  router.get('/', (req, res) => sendJSON(res, 200, {
    couchdb: 'Welcome',
    version: '3.3.3',
    vendor: { name: 'express-pouchdb compat test server' },
    features: [],
  }));

  router.get('/_up', (req, res) => sendJSON(res, 200, { status: 'ok', seeds: {} }));

  router.use((req, res, next) => {
    const { db, rest } = splitPath(req);
    if (db === '' || (db.startsWith('_') && rest.length === 0 && !['_users', '_replicator'].includes(db))) {
      return next();
    }
    // Databases: validate names on creation; DELETE of a missing database is 404.
    if (rest.length === 0 && req.method === 'PUT' && !validDBName(db)) {
      return sendJSON(res, 400, {
        error: 'illegal_database_name',
        reason: `Name: '${db}'. Only lowercase characters (a-z), digits (0-9), and any of the characters _, $, (, ), +, -, and / are allowed. Must begin with a letter.`,
      });
    }
    if (!validDBName(db)) {
      return sendJSON(res, 404, { error: 'not_found', reason: 'Database does not exist.' });
    }
    if (rest.length === 0 && req.method === 'DELETE') {
      return PouchDBClass.allDbs().then((dbs) => {
        if (!dbs.includes(db)) {
          return sendJSON(res, 404, { error: 'not_found', reason: 'Database does not exist.' });
        }
        next();
      }, next);
    }

    // A JSON body sent without Content-Type is JSON for CouchDB (attachments aside).
    if ((req.method === 'PUT' || req.method === 'POST') && !req.headers['content-type'] &&
        !isAttachmentPath(rest)) {
      req.headers['content-type'] = 'application/json';
    }

    if ((req.method === 'GET' || req.method === 'HEAD') && isDocPath(rest)) {
      if (req.query.open_revs !== undefined) {
        const accept = String(req.headers.accept || '');
        if (/multipart\/mixed/.test(accept)) {
          interceptSend(res, (body, pass) => {
            if (res.statusCode !== 200 || !Array.isArray(body)) return pass();
            return multipartMixed(res, body);
          });
        }
      } else {
        // CouchDB's ETag of a document is its quoted revision.
        interceptSend(res, (body, pass) => {
          if (res.statusCode === 200 && body && typeof body._rev === 'string') {
            res.setHeader('ETag', `"${body._rev}"`);
          }
          return pass();
        });
      }
    }

    // Writes answer ETag: "<new rev>" (kivik's Delete reads the revision from it).
    if ((req.method === 'DELETE' && (isDocPath(rest) || isAttachmentPath(rest))) ||
        (req.method === 'PUT' && isAttachmentPath(rest))) {
      interceptSend(res, (body, pass) => {
        if (res.statusCode < 300 && body && typeof body.rev === 'string') {
          res.setHeader('ETag', `"${body.rev}"`);
        }
        return pass();
      });
    }

    // PUT ?new_edits=false answers {ok, id, rev} like CouchDB, not PouchDB's array.
    if (req.method === 'PUT' && isDocPath(rest) && String(req.query.new_edits) === 'false') {
      interceptSend(res, (body, pass) => {
        if (!Array.isArray(body)) return pass();
        const failed = body.find((r) => r && r.error);
        if (failed) return sendJSON(res, failed.status || 400, { error: failed.name || failed.error, reason: failed.message || failed.reason });
        const doc = req.body || {};
        res.setHeader('ETag', `"${doc._rev}"`);
        return sendJSON(res, 201, { ok: true, id: doc._id, rev: doc._rev });
      });
    }
    next();
  });
  return router;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let Pouch;
  if (opts.data) {
    const dir = path.resolve(opts.data);
    fs.mkdirSync(dir, { recursive: true });
    Pouch = PouchDB.defaults({ adapter: 'leveldb', prefix: dir + path.sep });
  } else {
    Pouch = PouchDB.defaults({ adapter: 'memory' });
  }

  const pouchApp = expressPouchDB(Pouch, {
    mode: 'minimumForPouchDB',
    overrideMode: {
      include: ['routes/security'],
      // Compression holds back feed=continuous _changes forever for gzip clients.
      exclude: ['compression'],
    },
  });
  pouchApp.set('etag', false);
  pouchApp.disable('x-powered-by');

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(compat(Pouch));
  app.use(pouchApp);

  const server = app.listen(opts.port, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
  });
  server.keepAliveTimeout = 60000;
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (opts.watchStdin) {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
}

main();

// Package deploy holds the files docker-compose.yml mounts into its containers (nginx
// configurations, the CouchDB cluster setup script) and the tests that check them.
// It has no Go API.
package deploy

package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// searchDirectory is GET /v2/accounts/{A}/directories/{D}/search?dtmf=DIGITS: what
// KAZOO's dial-by-name IVR offers a caller who types those digits.
func (s *Server) searchDirectory(c echo.Context, r *request) error {
	dtmf, _ := r.param("dtmf")
	fields, _ := r.param("search_fields")
	q := directory.SearchQuery{DTMF: dtmf, SearchFields: fields, Fold: r.boolParam("fold", false)}
	res, err := s.cfg.Directories.Search(c.Request().Context(), r.accountID, pathParam(c, "id"), q)
	if err != nil {
		return err
	}
	corsIfAsked(c, r)
	return s.respond(c, r, http.StatusOK, res, extra{})
}

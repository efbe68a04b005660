//! Staking contract, v2. v1 stored a single `Config { owner, denom }`; v2 adds an unbonding
//! period. `migrate` converts the stored config.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    coins, ensure, to_json_binary, Addr, BankMsg, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError,
    StdResult, Uint128,
};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

const CONTRACT_NAME: &str = "crates.io:simple-staking";
const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");
const DEFAULT_UNBONDING_SECONDS: u64 = 14 * 24 * 3600;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Cannot migrate from {from}")]
    CannotMigrate { from: String },
    #[error("Must send {0}")]
    WrongDenom(String),
}

#[cw_serde]
pub struct ConfigV1 {
    pub owner: Addr,
    pub denom: String,
}

#[cw_serde]
pub struct Config {
    pub owner: Addr,
    pub denom: String,
    pub unbonding_seconds: u64,
}

const CONFIG_V1: Item<ConfigV1> = Item::new("config");
pub const CONFIG: Item<Config> = Item::new("config");
pub const STAKES: Map<&Addr, Uint128> = Map::new("stakes");

#[cw_serde]
pub struct InstantiateMsg {
    pub denom: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    Stake {},
    Unstake { amount: Uint128 },
}

#[cw_serde]
pub struct MigrateMsg {
    pub unbonding_seconds: Option<u64>,
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    #[returns(Uint128)]
    Stake { address: String },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(
        deps.storage,
        &Config { owner: info.sender, denom: msg.denom, unbonding_seconds: DEFAULT_UNBONDING_SECONDS },
    )?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    match msg {
        ExecuteMsg::Stake {} => {
            let amount = cw_utils::must_pay(&info, &config.denom)
                .map_err(|_| ContractError::WrongDenom(config.denom.clone()))?;
            STAKES.update(deps.storage, &info.sender, |s| -> StdResult<_> {
                Ok(s.unwrap_or_default().checked_add(amount)?)
            })?;
            Ok(Response::new().add_attribute("action", "stake"))
        }
        ExecuteMsg::Unstake { amount } => {
            STAKES.update(deps.storage, &info.sender, |s| -> StdResult<_> {
                Ok(s.unwrap_or_default().checked_sub(amount)?)
            })?;
            Ok(Response::new()
                .add_message(BankMsg::Send { to_address: info.sender.to_string(), amount: coins(amount.u128(), config.denom) })
                .add_attribute("action", "unstake"))
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, msg: MigrateMsg) -> Result<Response, ContractError> {
    #[cfg(not(feature = "vulnerable"))]
    {
        let stored = cw2::get_contract_version(deps.storage)?;
        let cannot = || ContractError::CannotMigrate { from: format!("{} {}", stored.contract, stored.version) };
        ensure!(stored.contract == CONTRACT_NAME, cannot());
        let stored_version: semver::Version = stored.version.parse().map_err(|_| cannot())?;
        let new_version: semver::Version = CONTRACT_VERSION.parse().map_err(|_| cannot())?;
        // Only the v1 line has the old config layout.
        ensure!(stored_version < new_version && stored_version.major == 0 && stored_version.minor == 0, cannot());
    }

    let old = CONFIG_V1.load(deps.storage)?;
    let config = Config {
        owner: old.owner,
        denom: old.denom,
        unbonding_seconds: msg.unbonding_seconds.unwrap_or(DEFAULT_UNBONDING_SECONDS),
    };
    CONFIG.save(deps.storage, &config)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new().add_attribute("action", "migrate").add_attribute("version", CONTRACT_VERSION))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?),
        QueryMsg::Stake { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&STAKES.may_load(deps.storage, &addr)?.unwrap_or_default())
        }
    }
}
